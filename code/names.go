package code

import (
	"debug/elf"
	"maps"

	"github.com/kldcheck/kldcheck/kobj"
)

// maxStub bounds the instructions of a PLT or call stub followed to name a
// call: the longest, powerpc64's ELFv2 PLT call stub, has five.
const maxStub = 6

// aliaser is a machine whose functions are entered at more than one address
// (powerpc64 ELFv2: the local entry point after the TOC setup).
type aliaser interface {
	aliases(f *kobj.File, funcs map[uint64]string)
}

// stubEntrant is a machine whose PLT stubs need a register the caller may
// not be seen to set (i386: ebx holds the GOT address at a PLT call).
type stubEntrant interface {
	enterStub(st *state)
}

// pairedCaller is a machine whose calls can take their target from the
// instruction before the call (riscv64's auipc+jalr, which R_RISCV_CALL
// and R_RISCV_CALL_PLT relocate as one from the auipc): a relocation there
// names the callee too. before is how many bytes before the call it looks.
type pairedCaller interface {
	before() int
}

// nameCalls names each call's callee, by the first of:
//   - a relocation inside the call instruction (amd64's relocatable modules,
//     text relocations of a shared object): its symbol;
//   - for a call through a slot, the symbol of the slot's relocation (or the
//     module's function the slot holds);
//   - the module's function starting at the target;
//   - the symbol of the slot the stub at the target loads (a PLT stub, a
//     linker's call stub), followed with the caller's registers: what the
//     i386 and powerpc PIC stubs address from (ebx, the TOC or GOT pointer).
func nameCalls(f *kobj.File, res *Result, m machine) {
	funcs, unsized := map[uint64]string{}, map[uint64]string{}
	for _, tab := range [][]kobj.Symbol{f.Symbols, f.DynSymbols} {
		for _, s := range tab {
			if s.Type == elf.STT_FUNC && s.InSection() && s.Name != "" {
				if s.Size > 0 {
					funcs[s.Addr] = s.Name
				} else {
					unsized[s.Addr] = s.Name // a linker stub's symbol (lld's __plt_X)
				}
			}
		}
	}
	if al, ok := m.(aliaser); ok {
		al.aliases(f, funcs)
	}
	for i := range res.Calls {
		c := &res.Calls[i]
		from := c.Addr
		if p, ok := m.(pairedCaller); ok && c.Addr >= uint64(p.before()) {
			from -= uint64(p.before())
		}
		if name, target, ok := relocIn(f, c, from); ok {
			if c.Callee = name; name != "" {
				continue
			}
			c.Target = target // a local function, through its section's symbol
		}
		if c.Slot != 0 {
			c.Callee = slotName(f, c.Slot)
			if c.Callee == "" {
				if t, ok := slotValue(f, c.Slot); ok {
					c.Target, c.Callee = t, funcs[t]
				}
			}
			continue
		}
		if n, ok := funcs[c.Target]; ok {
			c.Callee = n
		} else if n := follow(f, m, c); n != "" {
			c.Callee = n
		} else {
			c.Callee = unsized[c.Target]
		}
	}
}

// relocIn returns the symbol of the relocation patching the call
// instruction (or the instructions from from on), if any (ok false when
// none does). When the symbol has no
// name (a section symbol: a call to a static function of a relocatable
// module), target is where the call lands: the symbol plus the addend,
// less the place, from the end of the instruction (a PC-relative field).
func relocIn(f *kobj.File, c *Call, from uint64) (name string, target uint64, ok bool) {
	for p := from; p < c.Addr+uint64(c.len); p++ {
		t, r, found := f.RelocAt(p)
		if !found {
			continue
		}
		syms := f.SymbolsOf(t)
		if r.Sym == 0 || int(r.Sym) >= len(syms) {
			return "", c.Target, f.Type == elf.ET_REL
		}
		s := syms[r.Sym]
		end := c.Addr + uint64(c.len)
		return s.Name, s.Addr + uint64(r.Addend) + (end - p), true
	}
	return "", 0, false
}

// slotName is the symbol of the relocation filling the slot at a ("" if
// none names one): JUMP_SLOT, GLOB_DAT, or a plain word relocation
// (R_PPC64_ADDR64 in a TOC entry, R_PPC_ADDR32 in .got2), each of which the
// kernel linker fills with the symbol's address (sys/<arch>/<arch>/
// elf_machdep.c elf_reloc_internal).
func slotName(f *kobj.File, a uint64) string {
	t, r, ok := f.RelocAt(a)
	if !ok {
		return ""
	}
	if syms := f.SymbolsOf(t); r.Sym != 0 && int(r.Sym) < len(syms) {
		return syms[r.Sym].Name
	}
	return ""
}

// slotValue is the address a slot with no symbol holds once relocated
// (a RELATIVE relocation's result, or the word stored).
func slotValue(f *kobj.File, a uint64) (uint64, bool) {
	v, err := f.ReadPointer(a)
	return v, err == nil
}

// follow runs the machine over the few instructions at the call's target,
// from the caller's registers, and returns the symbol of the first slot
// they load that a relocation names: the PLT slot of a PLT stub.
func follow(f *kobj.File, m machine, c *Call) string {
	var sec *kobj.Section
	for _, s := range f.Sections {
		if s.Alloc() && s.Flags&elf.SHF_EXECINSTR != 0 && s.Type == elf.SHT_PROGBITS && s.Contains(c.Target) {
			sec = s
		}
	}
	if sec == nil {
		return ""
	}
	data, err := f.Data(sec)
	if err != nil || c.Target-sec.Addr >= uint64(len(data)) {
		return ""
	}
	st := newState(abiOf(f), sec.Name, sec.Addr)
	maps.Copy(st.regs, c.regs)
	if e, ok := m.(stubEntrant); ok {
		e.enterStub(st)
	}
	for pc, i := c.Target, 0; i < maxStub && pc-sec.Addr < uint64(len(data)); i++ {
		before, resets := len(st.accesses), st.resets
		n := m.step(data[pc-sec.Addr:], pc, st)
		if n <= 0 {
			return ""
		}
		for _, a := range st.accesses[before:] {
			if a.Kind == "load" {
				if name := slotName(f, a.Target); name != "" {
					return name
				}
			}
		}
		if st.endsStub || st.resets != resets || len(st.calls) > 0 {
			return ""
		}
		pc += uint64(n)
	}
	return ""
}
