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
}

// CallJSON is one call site; args maps argument registers known to be
// constant at the call to their values.
type CallJSON struct {
	Function string            `json:"function"`
	Offset   uint64            `json:"offset"`
	Callee   string            `json:"callee,omitempty"`
	Target   string            `json:"target"`
	Args     map[string]uint64 `json:"args"`
}

// NewFileCalls converts a scan result.
func NewFileCalls(f *kobj.File, res *code.Result) FileCalls {
	fc := FileCalls{File: f.Path, Calls: []CallJSON{}}
	for _, c := range res.Calls {
		cj := CallJSON{Function: c.Func, Offset: c.Offset, Callee: c.Callee, Target: hex(c.Target), Args: map[string]uint64{}}
		for i, v := range c.Args {
			cj.Args[code.ArgName(f, i)] = v
		}
		fc.Calls = append(fc.Calls, cj)
	}
	return fc
}

// WriteCallsText writes each file's call graph, one call a line.
func WriteCallsText(w io.Writer, files []FileCalls) error {
	var b strings.Builder
	for _, fc := range files {
		fmt.Fprintf(&b, "%s:\n", fc.File)
		for _, c := range fc.Calls {
			callee := c.Callee
			if callee == "" {
				callee = c.Target
			}
			var args []string
			for r, v := range c.Args {
				args = append(args, fmt.Sprintf("%s=%#x", r, v))
			}
			sort.Strings(args)
			fmt.Fprintf(&b, "  %s+%#x -> %s", c.Function, c.Offset, callee)
			if len(args) > 0 {
				fmt.Fprintf(&b, " (%s)", strings.Join(args, ", "))
			}
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
