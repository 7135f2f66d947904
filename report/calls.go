package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/code"
	"github.com/kldcheck/kldcheck/kobj"
)

// CallsDoc is the JSON document of `kldcheck calls`.
type CallsDoc struct {
	Files []FileCalls `json:"files"`
}

// FileCalls is one file's call graph.
type FileCalls struct {
	File  string     `json:"file"`
	Calls []CallJSON `json:"calls"`
	// Unread lists the code the scan could not read ("function: why"):
	// calls there are missing from Calls.
	Unread []string `json:"unread,omitempty"`
}

// CallJSON is one call site; args maps the arguments known to be constant
// at the call, by the register or stack word holding them (code.ArgName:
// "rsi", "x1", "[esp+0x4]"), to their values.
type CallJSON struct {
	Function string `json:"function"`
	Offset   uint64 `json:"offset"`
	Callee   string `json:"callee,omitempty"`
	Target   string `json:"target"`
	// Slot is, for a call through a GOT or TOC slot (powerpc -mlongcall,
	// -fno-plt), the slot's address.
	Slot string            `json:"slot,omitempty"`
	Args map[string]uint64 `json:"args"`

	order []string // Args' names in ABI order, for the text form
}

// NewFileCalls converts a scan result.
func NewFileCalls(f *kobj.File, res *code.Result) FileCalls {
	fc := FileCalls{File: f.Path, Calls: []CallJSON{}}
	for _, c := range res.Calls {
		cj := CallJSON{Function: c.Func, Offset: c.Offset, Callee: c.Callee, Target: hex(c.Target), Args: map[string]uint64{}}
		if c.Slot != 0 {
			cj.Slot = hex(c.Slot)
		}
		var pos []int
		for i := range c.Args {
			pos = append(pos, i)
		}
		sort.Ints(pos)
		for _, i := range pos {
			name := code.ArgName(f, i)
			cj.Args[name] = c.Args[i]
			cj.order = append(cj.order, name)
		}
		fc.Calls = append(fc.Calls, cj)
	}
	for _, g := range res.Gaps {
		what := g.Func
		if what == "" {
			what = "the whole file"
		}
		fc.Unread = append(fc.Unread, what+": "+g.Reason)
	}
	return fc
}

// WriteCallsText writes each file's call graph, one call a line.
func WriteCallsText(w io.Writer, files []FileCalls) error {
	escapeStrings(&files)
	var b strings.Builder
	for _, fc := range files {
		fmt.Fprintf(&b, "%s:\n", fc.File)
		for _, c := range fc.Calls {
			callee := c.Callee
			switch {
			case callee != "":
			case c.Slot != "":
				callee = "*" + c.Slot // through the slot
			default:
				callee = c.Target
			}
			order := c.order
			if len(order) != len(c.Args) { // decoded from JSON: no ABI order
				order = order[:0:0]
				for r := range c.Args {
					order = append(order, r)
				}
				sort.Strings(order)
			}
			var args []string
			for _, r := range order {
				args = append(args, fmt.Sprintf("%s=%#x", r, c.Args[r]))
			}
			fmt.Fprintf(&b, "  %s+%#x -> %s", c.Function, c.Offset, callee)
			if len(args) > 0 {
				fmt.Fprintf(&b, " (%s)", strings.Join(args, ", "))
			}
			b.WriteByte('\n')
		}
		for _, u := range fc.Unread {
			fmt.Fprintf(&b, "  not read: %s\n", u)
		}
	}
	_, err := io.WriteString(w, terminalSafe(b.String()))
	return err
}
