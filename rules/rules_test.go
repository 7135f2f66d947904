package rules

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md from the catalogue")

// docs/rules.md is the catalogue rendered; regenerate with -update and review.
func TestRulesDocUpToDate(t *testing.T) {
	path := filepath.Join("..", "docs", "rules.md")
	want := Markdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Error("docs/rules.md is out of date: run go test ./rules -update and review the diff")
	}
}

func TestCatalogue(t *testing.T) {
	id := regexp.MustCompile(`^[a-z]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, r := range All() {
		if !id.MatchString(r.ID) || seen[r.ID] {
			t.Errorf("rule id %q is not kebab-case or is repeated", r.ID)
		}
		seen[r.ID] = true
		if r.Summary == "" || r.Kernel == "" || r.Source == "" || r.Fix == "" {
			t.Errorf("%s: every rule says what happens, where it comes from and how to fix it", r.ID)
		}
		if _, ok := Lookup(r.ID); !ok {
			t.Errorf("%s: Lookup fails", r.ID)
		}
	}
	if _, err := ParseSeverity("fatal"); err == nil {
		t.Error("ParseSeverity accepts an unknown name")
	}
	for _, s := range []Severity{Note, Warning, Error} {
		if got, err := ParseSeverity(s.String()); err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s, got, err)
		}
	}
}

// modspace-exhausted's explanation speaks of both sets and of both kernel
// linkers, since it follows DPCPU findings as well as VNET ones.
func TestModspaceExplanationCoversBothSets(t *testing.T) {
	r, ok := Lookup(ModspaceExhausted)
	if !ok {
		t.Fatal("no modspace-exhausted rule")
	}
	for _, want := range []string{"parse_vnet", "parse_dpcpu", "pcpu module space", "vnet module space", "link_elf_load_file"} {
		if !strings.Contains(r.Kernel, want) {
			t.Errorf("modspace-exhausted's kernel text lacks %q: %s", want, r.Kernel)
		}
	}
}
