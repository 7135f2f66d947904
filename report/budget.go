package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

// Budget is one master set's module space after a sequence of loads: what
// each module took, what is left, and the first module that did not fit.
type Budget struct {
	Kind    string       `json:"kind"` // VNET or DPCPU
	Set     string       `json:"set"`  // set_vnet or set_pcpu
	Size    uint64       `json:"size"` // module space in the master set
	Used    []BudgetLine `json:"used"`
	Left    uint64       `json:"left"`
	Largest uint64       `json:"largest_free"`
	// FirstMisfit is the first module refused for lack of this space, ""
	// when every module fitted; Message is the kernel's words for it.
	FirstMisfit string `json:"first_misfit,omitempty"`
	Message     string `json:"message,omitempty"`
}

// BudgetLine is one module's share.
type BudgetLine struct {
	Module string `json:"module"`
	Bytes  uint64 `json:"bytes"`
}

// NewBudgets measures the simulated kernel's module space, VNET first.
func NewBudgets(l *linker.Linker) []Budget {
	var out []Budget
	for _, k := range []vdata.Kind{vdata.VNET, vdata.DPCPU} {
		sp := l.Spaces[k]
		if sp == nil {
			continue
		}
		b := Budget{Kind: k.String(), Set: k.SetName(), Size: sp.ModSize, Used: []BudgetLine{}, Left: sp.FreeBytes(), Largest: sp.LargestFree()}
		for _, a := range sp.Allocs() {
			b.Used = append(b.Used, BudgetLine{Module: a.Owner, Bytes: a.Size})
		}
		for _, f := range l.Findings {
			if f.Rule == rules.ModspaceExhausted && f.Set == k.SetName() {
				b.FirstMisfit, b.Message = filepath.Base(f.File), f.Message
				break
			}
		}
		out = append(out, b)
	}
	return out
}

// WriteBudgets writes the module-space budgets as text.
func WriteBudgets(w io.Writer, bs []Budget) error {
	var b strings.Builder
	for _, bg := range bs {
		fmt.Fprintf(&b, "\n%s module space (%s): %d bytes\n", bg.Kind, bg.Set, bg.Size)
		for _, u := range bg.Used {
			fmt.Fprintf(&b, "  %-24s %8d\n", u.Module, u.Bytes)
		}
		fmt.Fprintf(&b, "  %-24s %8d (largest free range %d)\n", "left", bg.Left, bg.Largest)
		if bg.FirstMisfit != "" {
			fmt.Fprintf(&b, "  first module that does not fit: %s\n", bg.FirstMisfit)
		}
	}
	_, err := io.WriteString(w, terminalSafe(b.String()))
	return err
}
