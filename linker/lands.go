package linker

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/vdata"
)

// The per-instance data model behind a reference's landing place (FreeBSD 15,
// sys/net/vnet.c vnet_alloc, sys/kern/subr_pcpu.c dpcpu_init, sys/sys/pcpu.h
// _DPCPU_PTR): each vnet and each CPU has a data block, a copy of the whole
// master set, and a base equal to the block's address minus the set's start.
// VNET(x) and DPCPU(x) add that base to the address the code holds for x, so
// an address A reaches the block at offset A - start. The block is the set's
// size rounded up to a page (VNET_SIZE, DPCPU_SIZE). The first vnet (vnet0)
// and CPU 0 stand for every instance, since all are laid out alike.
// docs/lands.md describes the model.

// landing is where VNET(x) or DPCPU(x) reaches in vnet0 or on CPU 0 when
// the code holds a given address for x.
type landing struct {
	Kind vdata.Kind
	// Offset is the place's offset from the start of the instance's data
	// block (negative: before it).
	Offset int64
	// SetBytes is the master set's size (VNET_BYTES, DPCPU_BYTES), Block the
	// data block's (rounded up to a page).
	SetBytes, Block uint64
	// Variable names the set variable at Offset (with +offset inside it),
	// Owner the file it belongs to ("the kernel", "the stand-in kernel", a
	// module), when Offset falls inside the set. Free is module space not
	// allocated to any loaded module.
	Variable, Owner string
	Free            bool
	// Synthetic is true when the master set is the stand-in kernel's.
	Synthetic bool
}

// Inside reports whether the place is a byte of the set's copy.
func (d landing) Inside() bool { return d.Offset >= 0 && uint64(d.Offset) < d.SetBytes }

// land places address actual against the master set of kind k, naming
// the variable occupying it: a module's (from its module-space allocation),
// free module space, or the kernel's own. It is false when the kernel has no
// such set.
func (l *Linker) land(k vdata.Kind, actual uint64) (landing, bool) {
	sp := l.Spaces[k]
	if sp == nil {
		return landing{}, false
	}
	d := landing{Kind: k, Offset: int64(actual - sp.Start), SetBytes: sp.Stop - sp.Start, Synthetic: l.synthetic}
	d.Block = alignUp(d.SetBytes, pageSize)
	if !d.Inside() {
		return d, true
	}
	switch {
	case actual >= sp.ModStart && actual < sp.ModStart+sp.ModSize:
		d.Variable, d.Owner, d.Free = l.inModspace(k, sp, actual)
	case l.Kernel != nil:
		d.Variable, d.Owner = l.Kernel.variableAt(k, actual), "the kernel"
	default:
		d.Variable, d.Owner = l.synthVariableAt(k, actual), "the stand-in kernel"
	}
	return d, true
}

// inModspace names what occupies module-space address a: the variable of
// the loaded file the allocation holding it was given to, or free space.
func (l *Linker) inModspace(k vdata.Kind, sp *vdata.Space, a uint64) (variable, owner string, free bool) {
	for _, al := range sp.Allocs() {
		if a < al.Addr || a >= al.Addr+al.Size {
			continue
		}
		for _, f := range l.Files {
			if w := f.Sets[k]; w != nil && w.Allocated && w.Base == al.Addr && w.Section != nil {
				return f.variableAt(k, a-w.Base+w.Section.Addr), f.Name, false
			}
		}
		return fmt.Sprintf("module space +%#x", a-al.Addr), al.Owner, false
	}
	return "", "", true
}

// synthVariableAt names the stand-in kernel's variable at a: each one it
// was taken to define has a 64-byte slot from the set's start. It is empty
// where no such variable lies.
func (l *Linker) synthVariableAt(k vdata.Kind, a uint64) string {
	names := make([]string, 0, len(l.synthSyms))
	for name := range l.synthSyms {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if v := l.synthSyms[name]; strings.HasPrefix(name, k.SymPrefix()) && a >= v && a < v+64 {
			if a == v {
				return name
			}
			return fmt.Sprintf("%s+%#x", name, a-v)
		}
	}
	return ""
}

// landsLine is the finding's lands line for a reference to variable
// (as the finding names it, with +offset when inside it) reaching actual
// instead of expected (hasExpected false: the variable has no master copy
// to compare with). It is empty when the kernel has no such set.
func (l *Linker) landsLine(k vdata.Kind, variable string, actual, expected uint64, hasExpected bool) string {
	d, ok := l.land(k, actual)
	if !ok {
		return ""
	}
	s := d.describe(variable)
	if hasExpected {
		if e, ok := l.land(k, expected); ok && e.Inside() {
			s += "; the variable's copy is at data block " + blockOffset(e.Offset)
		}
	}
	if d.Synthetic {
		s += " (in the stand-in kernel's set)"
	}
	return s
}

// describe says where the access lands, as a kgdb user would see it:
// "VNET(x) in vnet0 touches data block + 0x4c0a0, past the end of the
// 0x9000-byte block: kernel memory that is not a VNET variable".
func (d landing) describe(variable string) string {
	where := "in vnet0"
	if d.Kind == vdata.DPCPU {
		where = "on CPU 0"
	}
	name := strings.TrimPrefix(variable, d.Kind.SymPrefix())
	plus := ""
	if i := strings.IndexByte(name, '+'); i > 0 {
		name, plus = name[:i], name[i:]
	}
	s := fmt.Sprintf("%s(%s)%s %s touches data block %s, ", d.Kind, name, plus, where, blockOffset(d.Offset))
	not := fmt.Sprintf("not a %s variable", d.Kind)
	switch {
	case d.Offset < 0:
		s += "before the block: kernel memory that is " + not
	case uint64(d.Offset) >= d.Block:
		s += fmt.Sprintf("past the end of the %#x-byte block: kernel memory that is %s", d.Block, not)
	case uint64(d.Offset) >= d.SetBytes:
		s += fmt.Sprintf("in the block's tail past the %#x bytes of the set: %s", d.SetBytes, not)
	case d.Free:
		s += "inside module space no loaded module was given: " + not + " yet"
	case d.Variable == "":
		s += "inside " + d.Owner + "'s part of the set, where no variable a module named lies"
	default:
		s += fmt.Sprintf("inside %s of %s", d.Variable, d.Owner)
	}
	return s
}

// blockOffset writes an offset from the data block: "+ 0x18", "- 0x10".
func blockOffset(off int64) string {
	if off < 0 {
		return fmt.Sprintf("- %#x", uint64(-off))
	}
	return fmt.Sprintf("+ %#x", uint64(off))
}
