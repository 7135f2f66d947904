package rules

import (
	"fmt"
	"strings"
)

// Markdown renders the catalogue as docs/rules.md holds it.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# kldcheck rules\n\n")
	b.WriteString("Generated from rules/rules.go by `go test ./rules -update`; do not edit by hand.\n\n")
	b.WriteString("| rule | severity | summary |\n|---|---|---|\n")
	for _, r := range catalogue {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", r.ID, r.ID, r.Severity, r.Summary)
	}
	for _, r := range catalogue {
		fmt.Fprintf(&b, "\n## %s\n\n%s (%s).\n\n", r.ID, upperFirst(r.Summary), r.Severity)
		fmt.Fprintf(&b, "- **In the kernel:** %s\n- **Source:** %s\n- **Fix:** %s\n", r.Kernel, r.Source, r.Fix)
	}
	return b.String()
}

// Text renders the catalogue for a terminal.
func Text() string {
	var b strings.Builder
	for i, r := range catalogue {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s (%s)\n  %s\n  kernel: %s\n  source: %s\n  fix:    %s\n", r.ID, r.Severity, r.Summary, r.Kernel, r.Source, r.Fix)
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
