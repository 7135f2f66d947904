package linker

import (
	"debug/elf"
	"fmt"
	"strings"

	"github.com/kldcheck/kldcheck/code"
	"github.com/kldcheck/kldcheck/rules"
)

// checkCode reads a loaded module's instructions: set variables reached
// PC-relatively (set-ref-pcrel, FreeBSD-EN-23:08.vnet) and user mappings filled with
// pmap_enter (the VirtualBox pmap_enter report).
//
// Only what these checks can use is decoded: accesses into the module's own
// sets in a shared object (in a relocatable one every address reaches the
// kernel linker as a relocation), and calls when the module calls both
// vm_map_find and pmap_enter.
func (l *Linker) checkCode(f *File) error {
	res, focus, err := codeScan(f)
	if err != nil {
		return err
	}
	if len(focus.Targets) > 0 {
		l.checkNotRun(f, rules.SetRefPCRel, res.Gaps)
	}
	if focus.Calls {
		l.checkNotRun(f, rules.UserMapPmapEnter, res.Gaps)
	}
	if f.Obj.Type != elf.ET_REL {
		// In a relocatable module every address reaches the kernel linker as
		// a relocation; in a shared object a PC-relative one has none left.
		for _, a := range res.Accesses {
			l.checkPCRel(f, a)
		}
	}
	checkUserMap(l, f, res)
	return nil
}

// codeScan reads what checkCode needs of the file's code (memoised with the
// parsed file).
func codeScan(f *File) (*code.Result, code.Focus, error) {
	var focus code.Focus
	if f.Obj.Type != elf.ET_REL {
		for _, w := range f.Sets {
			if s := w.Section; s != nil && s.Size > 0 {
				focus.Targets = append(focus.Targets, code.Range{Lo: s.Addr, Hi: s.Addr + s.Size})
			}
		}
	}
	focus.Calls = mentions(f, "vm_map_find") && mentions(f, "pmap_enter")
	res, err := code.ScanCached(f.Obj, focus)
	return res, focus, err
}

// maxNamed bounds the functions a check-not-run note names.
const maxNamed = 5

// checkNotRun reports that check could not read all of the module's code,
// when it had something to look for there: no finding from it is not a
// clean result.
func (l *Linker) checkNotRun(f *File, check string, gaps []code.Gap) {
	if len(gaps) == 0 {
		return
	}
	var reasons []string
	funcs := map[string][]string{}
	for _, g := range gaps {
		if _, seen := funcs[g.Reason]; !seen {
			reasons = append(reasons, g.Reason)
			funcs[g.Reason] = []string{}
		}
		if g.Func != "" {
			funcs[g.Reason] = append(funcs[g.Reason], g.Func)
		}
	}
	var why []string
	for _, r := range reasons {
		fs := funcs[r]
		switch {
		case len(fs) == 0:
			why = append(why, r)
		case len(fs) > maxNamed:
			why = append(why, fmt.Sprintf("%s (in %s and %d more)", r, strings.Join(fs[:maxNamed], ", "), len(fs)-maxNamed))
		default:
			why = append(why, fmt.Sprintf("%s (in %s)", r, strings.Join(fs, ", ")))
		}
	}
	fd := rules.New(rules.CheckNotRun, f.Obj.Path, "%s cannot run on %s: %s; no result is not a clean result",
		check, f.Obj.Arch.Name, strings.Join(why, "; "))
	if g := gaps[0]; len(gaps) == 1 && g.Func != "" {
		fd.Func, fd.Location = g.Func, g.Func
	}
	l.report(fd)
}

// mentions reports whether the module's symbol tables name sym (a function
// it calls is an undefined symbol, or a PLT relocation's).
func mentions(f *File, sym string) bool {
	return f.Obj.HasSymbol(sym)
}

func (l *Linker) checkPCRel(f *File, a code.Access) {
	kind, w, ok := f.setOf(a.Target)
	if !ok {
		return
	}
	if _, _, patched := f.Obj.RelocAt(a.Addr); patched {
		return // a text relocation: the kernel linker patches the instruction
	}
	actual := f.Address + a.Target
	f.PCRel = append(f.PCRel, a)
	what := map[string]string{"address": "computes the address of", "load": "loads", "store": "stores to"}[a.Kind]
	variable := f.variableAt(kind, a.Target)
	fd := rules.New(rules.SetRefPCRel, f.Obj.Path,
		"%q %s %s variable %s through its address in %s's own image (%#x) instead of its master copy",
		a.Text, what, kind, variable, f.Name, actual)
	if w.Allocated {
		fd.Expected, fd.Actual, fd.HasAddrs = w.Base+(a.Target-w.Section.Addr), actual, true
		fd.Message += " at " + hexAddr(fd.Expected)
	}
	fd.Message += ": no relocation is left for the kernel linker to redirect"
	fd.Lands = l.landsLine(kind, variable, actual, fd.Expected, fd.HasAddrs)
	fd.Symbol, fd.Owner = variable, f.Name
	fd.Func, fd.Offset, fd.Addr, fd.HasAddr, fd.InCode = a.Func, a.Offset, a.Addr, true, true
	fd.Location = a.Func + "+" + hexAddr(a.Offset)
	l.report(fd)
}

// checkUserMap flags a function that calls vm_map_find with a NULL object
// (second argument) and calls pmap_enter: the pattern of the VirtualBox pmap_enter report.
func checkUserMap(l *Linker, f *File, res *code.Result) {
	byFunc := map[string][]code.Call{}
	var order []string
	for _, c := range res.Calls {
		if _, ok := byFunc[c.Func]; !ok {
			order = append(order, c.Func)
		}
		byFunc[c.Func] = append(byFunc[c.Func], c)
	}
	for _, fn := range order {
		var find *code.Call
		enters := false
		for i, c := range byFunc[fn] {
			switch c.Callee {
			case "vm_map_find":
				if v, ok := c.Args[1]; ok && v == 0 && find == nil {
					find = &byFunc[fn][i]
				}
			case "pmap_enter":
				enters = true
			}
		}
		if find == nil || !enters {
			continue
		}
		fd := rules.New(rules.UserMapPmapEnter, f.Obj.Path,
			"vm_map_find(map, NULL, ...) creates a map entry with no VM object, and %s then fills it with pmap_enter",
			fn)
		fd.Symbol = "vm_map_find"
		fd.Func, fd.Offset, fd.Addr, fd.HasAddr, fd.InCode = fn, find.Offset, find.Addr, true, true
		fd.Location = fn + "+" + hexAddr(find.Offset)
		l.report(fd)
	}
}
