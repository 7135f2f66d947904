package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kldcheck/kldcheck/diff"
	"github.com/kldcheck/kldcheck/scan"
)

// DiffDoc is the JSON document of `kldcheck diff`.
type DiffDoc struct {
	Profile     string          `json:"profile"`
	Modules     []DiffModuleDoc `json:"modules"`
	OnlyOld     []string        `json:"only_in_old"`
	OnlyNew     []string        `json:"only_in_new"`
	NewFindings []FindingJSON   `json:"new_findings"`
}

// DiffModuleDoc is one changed module.
type DiffModuleDoc struct {
	Module      string        `json:"module"`
	Old         string        `json:"old"`
	New         string        `json:"new"`
	References  []DiffRefDoc  `json:"references"`
	NewFindings []FindingJSON `json:"new_findings"`
	Fixed       []FindingJSON `json:"fixed_findings"`
	Unchanged   int           `json:"unchanged_findings"`
	Sets        []diff.Count  `json:"module_space"`
	Relocs      []diff.Count  `json:"relocations"`
}

// DiffRefDoc is one changed reference.
type DiffRefDoc struct {
	Where    string   `json:"where"`
	Variable string   `json:"variable"`
	Old      []string `json:"old"`
	New      []string `json:"new"`
}

// NewDiff converts a comparison; only changed modules are listed.
func NewDiff(profile string, r *diff.Result) DiffDoc {
	doc := DiffDoc{Profile: profile, Modules: []DiffModuleDoc{}, OnlyOld: nonNil(r.OnlyOld), OnlyNew: nonNil(r.OnlyNew),
		NewFindings: NewCheck(profile, r.NewFindings()).Findings}
	for _, m := range r.Modules {
		if !m.Changed() {
			continue
		}
		d := DiffModuleDoc{Module: m.Name, Old: m.Old, New: m.New, References: []DiffRefDoc{},
			NewFindings: NewCheck(profile, m.NewFindings).Findings, Fixed: NewCheck(profile, m.Fixed).Findings,
			Unchanged: m.Unchanged, Sets: append([]diff.Count{}, m.Sets...), Relocs: append([]diff.Count{}, m.Relocs...)}
		for _, c := range m.Refs {
			d.References = append(d.References, DiffRefDoc{c.Where, c.Variable, nonNil(c.Old), nonNil(c.New)})
		}
		doc.Modules = append(doc.Modules, d)
	}
	return doc
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WriteDiffText writes the comparison grouped per module, the modules with
// new findings first.
func WriteDiffText(w io.Writer, profile string, r *diff.Result, opts TextOptions) error {
	var b strings.Builder
	var first, rest []diff.Module
	for _, m := range r.Modules {
		switch {
		case len(m.NewFindings) > 0:
			first = append(first, m)
		case m.Changed():
			rest = append(rest, m)
		}
	}
	changed := 0
	for _, m := range append(first, rest...) {
		changed++
		fmt.Fprintf(&b, "%s (%s -> %s)\n", m.Name, m.Old, m.New)
		if len(m.NewFindings) > 0 {
			b.WriteString("  new findings:\n")
			var fb strings.Builder
			if err := WriteFindingsText(&fb, profile, m.NewFindings, opts); err != nil {
				return err
			}
			for _, line := range strings.Split(strings.TrimRight(fb.String(), "\n"), "\n") {
				if !strings.HasPrefix(line, "profile ") {
					b.WriteString("    " + line + "\n")
				}
			}
		}
		for _, c := range m.Refs {
			fmt.Fprintf(&b, "  reference: %s\n", c)
		}
		for _, f := range m.Fixed {
			fmt.Fprintf(&b, "  fixed: %s: %s [%s]\n", filepath.Base(f.File), f.Message, f.Rule)
		}
		for _, c := range m.Sets {
			fmt.Fprintf(&b, "  module space: %s %d -> %d bytes\n", c.Name, c.Old, c.New)
		}
		for _, c := range m.Relocs {
			fmt.Fprintf(&b, "  relocations: %s %d -> %d\n", c.Name, c.Old, c.New)
		}
		if m.Unchanged > 0 {
			fmt.Fprintf(&b, "  unchanged findings: %d\n", m.Unchanged)
		}
	}
	for _, p := range r.OnlyOld {
		fmt.Fprintf(&b, "only in OLD: %s\n", p)
	}
	for _, p := range r.OnlyNew {
		fmt.Fprintf(&b, "only in NEW: %s\n", p)
	}
	fixed := 0
	for _, m := range r.Modules {
		fixed += len(m.Fixed)
	}
	fmt.Fprintf(&b, "compared %d modules: %d changed, %d new findings, %d fixed, %d only in OLD, %d only in NEW\n",
		len(r.Modules), changed, len(r.NewFindings()), fixed, len(r.OnlyOld), len(r.OnlyNew))
	_, err := io.WriteString(w, terminalSafe(b.String()))
	return err
}

// WriteDiffHTML writes the comparison as one page: the changed modules,
// their changed references, NEW's module-space map for each module with a
// new finding about the sets, and the new findings.
func WriteDiffHTML(w io.Writer, profile string, r *diff.Result, newScan *scan.Result) error {
	fs := r.NewFindings()
	p := htmlPage{Title: "kldcheck diff", Profile: profile, Kernel: newScan.Kernel, Findings: NewCheck(profile, fs).Findings,
		Counts: severityCounts(fs), FindingsTitle: "New findings"}
	spaces := map[string]scan.Module{}
	for _, m := range newScan.Modules {
		spaces[m.Path] = m
	}
	for _, m := range r.Modules {
		if !m.Changed() {
			continue
		}
		st := status(m.NewFindings)
		if st == "clean" {
			st = "changed"
		}
		p.Modules = append(p.Modules, ScanModule{File: m.New, Status: st, Findings: len(m.NewFindings)})
		for _, c := range m.Refs {
			p.Changes = append(p.Changes, m.Name+": "+c.String())
		}
		if n := spaces[m.New]; n.Spaces != nil && touchesSets(m.NewFindings) {
			p.Maps = append(p.Maps, htmlMap{Caption: filepath.Base(m.New) + " (NEW) loaded with its dependencies", Bars: bars(n.Spaces, m.NewFindings)})
		}
	}
	return page.Execute(w, p)
}
