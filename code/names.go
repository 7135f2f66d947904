package code

import (
	"debug/elf"

	"github.com/kldcheck/kldcheck/kobj"
)

// maxInsn bounds how far into a call instruction its relocation may sit.
const maxInsn = 8

// nameCalls names each call's callee: a function of the file starting at the
// target; in an ET_REL file, the symbol of the relocation inside the call
// instruction; in a shared object, the symbol whose PLT slot the stub at the
// target loads.
func nameCalls(f *kobj.File, res *Result, m machine) {
	funcs := map[uint64]string{}
	for _, tab := range [][]kobj.Symbol{f.Symbols, f.DynSymbols} {
		for _, s := range tab {
			if s.Type == elf.STT_FUNC && s.InSection() && s.Name != "" {
				funcs[s.Addr] = s.Name
			}
		}
	}
	plt := pltSlots(f, m)
	for i := range res.Calls {
		c := &res.Calls[i]
		if f.Type == elf.ET_REL {
			for a := c.Addr; a < c.Addr+maxInsn; a++ {
				if t, r, ok := f.RelocAt(a); ok {
					if syms := f.SymbolsOf(t); int(r.Sym) < len(syms) {
						c.Callee = syms[r.Sym].Name
					}
					break
				}
			}
			if c.Callee != "" {
				continue
			}
		}
		if n, ok := funcs[c.Target]; ok {
			c.Callee = n
		} else if n, ok := plt[c.Target]; ok {
			c.Callee = n
		}
	}
}

// pltSlots maps each PLT stub's address to the symbol its GOT slot's
// JUMP_SLOT relocation names, by scanning the .plt section with the
// architecture's machine: a stub's first load from a fixed address is its
// slot.
func pltSlots(f *kobj.File, m machine) map[uint64]string {
	out := map[uint64]string{}
	sec := f.SectionByName(".plt")
	if sec == nil || f.Type == elf.ET_REL {
		return out
	}
	data, err := f.Data(sec)
	if err != nil {
		return out
	}
	st := &state{regs: map[int]value{}, fn: ".plt", fnStart: sec.Addr}
	stub, atStart := sec.Addr, true
	// Bound by the bytes present: a .plt may be SHT_NOBITS (powerpc's
	// secure PLT), or shorter than sh_size in a damaged file.
	for pc := sec.Addr; pc-sec.Addr < uint64(len(data)); {
		before := len(st.accesses)
		st.nop = false
		n := m.step(data[pc-sec.Addr:], pc, st)
		if n <= 0 {
			n = m.minLen()
			st.reset()
		}
		if atStart && st.nop {
			stub = pc + uint64(n) // padding after the previous stub
		} else {
			atStart = false
		}
		for _, a := range st.accesses[before:] {
			if a.Kind != "load" {
				continue
			}
			if t, r, ok := f.RelocAt(a.Target); ok {
				if syms := f.SymbolsOf(t); r.Sym != 0 && int(r.Sym) < len(syms) {
					out[stub] = syms[r.Sym].Name
				}
			}
		}
		pc += uint64(n)
		if st.endsStub {
			st.endsStub = false
			st.reset()
			stub, atStart = pc, true
		}
	}
	return out
}
