package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/kldcheck/kldcheck/rules"
)

// Check is the JSON document of `kldcheck check`.
type Check struct {
	Profile  string        `json:"profile"`
	Findings []FindingJSON `json:"findings"`
}

// FindingJSON is one finding. Expected and actual addresses appear on
// set-ref-unrelocated.
type FindingJSON struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	File     string `json:"file"`
	Symbol   string `json:"symbol,omitempty"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
	Reloc    string `json:"relocation,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Expected string `json:"expected,omitempty"`
	Actual   string `json:"actual,omitempty"`
	Source   string `json:"source,omitempty"` // file:line from DWARF
}

// NewCheck converts findings to the JSON document.
func NewCheck(profile string, fs []rules.Finding) Check {
	doc := Check{Profile: profile, Findings: []FindingJSON{}}
	for _, f := range fs {
		j := FindingJSON{Rule: f.Rule, Severity: f.Severity.String(), File: f.File, Symbol: f.Symbol,
			Message: f.Message, Location: f.Location, Reloc: f.Reloc, Owner: f.Owner}
		if f.HasAddrs {
			j.Expected, j.Actual = hex(f.Expected), hex(f.Actual)
		}
		if f.SourceFile != "" {
			j.Source = fmt.Sprintf("%s:%d", f.SourceFile, f.SourceLine)
		}
		doc.Findings = append(doc.Findings, j)
	}
	return doc
}

// WriteJSON writes any report document as indented JSON.
func WriteJSON(w io.Writer, doc any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// WriteFindingsText writes findings in the form compilers use:
// FILE: LOCATION: SEVERITY: MESSAGE [RULE].
func WriteFindingsText(w io.Writer, profile string, fs []rules.Finding) error {
	var b strings.Builder
	counts := map[rules.Severity]int{}
	for _, f := range fs {
		counts[f.Severity]++
		file := f.File
		if file == "" {
			file = "kldcheck"
		}
		fmt.Fprintf(&b, "%s: %s: %s [%s]\n", file, f.Severity, f.Message, f.Rule)
		if f.SourceFile != "" {
			fmt.Fprintf(&b, "    source: %s:%d\n", f.SourceFile, f.SourceLine)
		}
		if f.Reloc != "" {
			fmt.Fprintf(&b, "    relocation: %s\n", f.Reloc)
		}
	}
	fmt.Fprintf(&b, "profile %s: %s, %s, %s\n", profile, plural(counts[rules.Error], "error"), plural(counts[rules.Warning], "warning"), plural(counts[rules.Note], "note"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
