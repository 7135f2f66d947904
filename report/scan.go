package report

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/scan"
)

// ScanDoc is the JSON document of `kldcheck scan`.
type ScanDoc struct {
	Profile  string         `json:"profile"`
	Kernel   string         `json:"kernel,omitempty"`
	Modules  []ScanModule   `json:"modules"`
	Findings []FindingJSON  `json:"findings"`
	Summary  map[string]int `json:"summary"`
	Rules    map[string]int `json:"rules"`
	// Links are the symbolic links of the tree that reach a module
	// checked under another name.
	Links []ScanLink `json:"links,omitempty"`
}

// ScanLink is a symbolic link to a module checked under another name.
type ScanLink struct {
	File      string `json:"file"`
	CheckedAs string `json:"checked_as"`
}

// ScanModule is one module's verdict.
type ScanModule struct {
	File string `json:"file"`
	// FileBase64 is File byte for byte when it is not valid UTF-8.
	FileBase64 string `json:"file_base64,omitempty"`
	Status     string `json:"status"` // clean, note, warning, error
	Findings   int    `json:"findings"`
}

// NewScan converts a scan result.
func NewScan(r *scan.Result) ScanDoc {
	all := r.AllFindings()
	// Every key of the summary is present, zero or not.
	doc := ScanDoc{Profile: r.Profile.Name, Kernel: r.Kernel, Modules: []ScanModule{},
		Findings: NewCheck(r.Profile.Name, all).Findings, Summary: map[string]int{"clean": 0, "note": 0, "warning": 0, "error": 0}, Rules: map[string]int{}}
	for _, m := range r.Modules {
		st := status(m.Findings)
		doc.Modules = append(doc.Modules, ScanModule{File: m.Path, FileBase64: exactPath(m.Path), Status: st, Findings: len(m.Findings)})
		doc.Summary[st]++
	}
	for _, f := range all {
		doc.Rules[f.Rule]++
	}
	doc.Summary["modules"] = len(r.Modules)
	for _, l := range slices.Sorted(maps.Keys(r.SameAs)) {
		doc.Links = append(doc.Links, ScanLink{File: l, CheckedAs: r.SameAs[l]})
	}
	return doc
}

func status(fs []rules.Finding) string {
	worst := -1
	for _, f := range fs {
		worst = max(worst, int(f.Severity))
	}
	if worst < 0 {
		return "clean"
	}
	return rules.Severity(worst).String()
}

// WriteScanSummary writes the table that ends a text scan report.
func WriteScanSummary(w io.Writer, r *scan.Result) error {
	doc := NewScan(r)
	var b strings.Builder
	kernel := r.Kernel
	if kernel == "" {
		kernel = "(none: a stand-in kernel)"
	}
	fmt.Fprintf(&b, "\nscanned %d modules against %s, profile %s\n", len(r.Modules), kernel, r.Profile.Name)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  clean\t%d\n  with errors\t%d\n  with warnings\t%d\n  with notes only\t%d\n",
		doc.Summary["clean"], doc.Summary["error"], doc.Summary["warning"], doc.Summary["note"])
	tw.Flush()
	if len(doc.Rules) > 0 {
		ids := make([]string, 0, len(doc.Rules))
		for id := range doc.Rules {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		b.WriteString("findings by rule:\n")
		tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, id := range ids {
			fmt.Fprintf(tw, "  %s\t%d\n", id, doc.Rules[id])
		}
		tw.Flush()
	}
	if len(doc.Links) > 0 {
		b.WriteString("symbolic links to modules checked under another name:\n")
		for _, l := range doc.Links {
			fmt.Fprintf(&b, "  %s -> %s\n", kobj.Printable(l.File), kobj.Printable(l.CheckedAs))
		}
	}
	var bad []string
	for _, m := range doc.Modules {
		if m.Status == "error" {
			bad = append(bad, filepath.Base(m.File))
		}
	}
	if len(bad) > 0 {
		const shown = 20
		list := strings.Join(bad[:min(len(bad), shown)], ", ")
		if len(bad) > shown {
			list += fmt.Sprintf(" and %d more", len(bad)-shown)
		}
		fmt.Fprintf(&b, "modules that would not load or would misbehave: %s\n", list)
	}
	_, err := io.WriteString(w, terminalSafe(b.String()))
	return err
}
