package code

import (
	"debug/elf"
	"strings"

	"golang.org/x/arch/x86/x86asm"

	"github.com/kldcheck/kldcheck/kobj"
)

func init() {
	machines[elf.EM_X86_64] = func(f *kobj.File) machine { return x86{mode: 64, f: f} }
	machines[elf.EM_386] = func(f *kobj.File) machine { return x86{mode: 32, f: f} }
}

// x86 follows calls and their constant arguments (abi.go: SysV AMD64
// registers then stack, i386 cdecl all on the stack, tracked through push,
// pop and stores to [esp+N]), RIP-relative addressing, and i386 PIC's GOT
// base ("call 1f; 1: pop %reg; add $off, %reg", or GCC's
// __x86.get_pc_thunk.reg) with @GOTOFF operands relative to it. amd64
// modules are relocatable, so their references to set variables go through
// relocations the kernel linker applies with final addresses; the scan
// serves the call graph there.
type x86 struct {
	mode int
	f    *kobj.File
}

func (x86) minLen() int { return 1 }

// x86Reg maps a general register of any width to 0-15 (rax=0 ... r15=15).
func x86Reg(a x86asm.Arg) (int, bool) {
	r, ok := a.(x86asm.Reg)
	if !ok {
		return 0, false
	}
	switch {
	case r >= x86asm.AX && r <= x86asm.R15W:
		return int(r - x86asm.AX), true
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return int(r - x86asm.EAX), true
	case r >= x86asm.RAX && r <= x86asm.R15:
		return int(r - x86asm.RAX), true
	case r >= x86asm.AL && r <= x86asm.BL:
		return int(r - x86asm.AL), true
	case r >= x86asm.SPB && r <= x86asm.R15B:
		return int(r-x86asm.SPB) + 4, true // SPB, BPB, SIB, DIB, R8B...
	}
	return 0, false // AH, CH, DH, BH and non-general registers
}

// whole reports whether writing register a sets all of it: a 64-bit
// register, or a 32-bit one (zero-extended in 64-bit mode).
func whole(a x86asm.Arg) bool {
	r, ok := a.(x86asm.Reg)
	return ok && r >= x86asm.EAX && r <= x86asm.R15
}

// width masks v to the size of register a (32 bits for eax ... r15d).
func width(a x86asm.Arg, v uint64) uint64 {
	if r, ok := a.(x86asm.Reg); ok && r >= x86asm.EAX && r <= x86asm.R15L {
		return uint64(uint32(v))
	}
	return v
}

func (m x86) wrap(v value) value {
	if m.mode == 32 {
		return v.wrap32()
	}
	return v
}

// readsFirst is an instruction whose first operand is only read.
func readsFirst(op x86asm.Op) bool {
	switch op {
	case x86asm.CMP, x86asm.TEST, x86asm.PUSH, x86asm.JMP, x86asm.CALL, x86asm.BT:
		return true
	}
	return false
}

// addr is the address of a memory operand, where its registers are known
// (fs/gs-relative operands, the pcpu and thread areas, never are).
func (m x86) addr(st *state, mem x86asm.Mem, next uint64) (value, bool) {
	if mem.Segment != 0 {
		return value{}, false
	}
	if mem.Base == x86asm.RIP {
		return value{next + uint64(mem.Disp), pcrel}, true
	}
	v := value{uint64(mem.Disp), konst}
	if mem.Base != 0 {
		r, ok := x86Reg(mem.Base)
		b, known := st.get(r)
		if !known && r == 4 && whole(mem.Base) {
			b, known = st.stackPointer(), true
		}
		if v, ok = v.add(b); !ok || !known {
			return value{}, false
		}
	}
	if mem.Index != 0 {
		r, _ := x86Reg(mem.Index)
		i, known := st.get(r)
		if !known || i.k != konst {
			return value{}, false
		}
		v.v += i.v * uint64(mem.Scale)
	}
	return m.wrap(v), true
}

// operand is the value of a source operand of size bytes, where known.
func (m x86) operand(st *state, a x86asm.Arg, next, size uint64) (value, bool) {
	switch a := a.(type) {
	case x86asm.Imm:
		return m.wrap(value{uint64(a), konst}), true
	case x86asm.Reg:
		if r, ok := x86Reg(a); ok && whole(a) {
			return st.get(r)
		}
	case x86asm.Mem:
		if ad, ok := m.addr(st, a, next); ok {
			switch {
			case ad.k == frame:
				return st.load(ad.v, size)
			case ad.k == pcrel && size == uint64(m.mode/8):
				return value{ad.v, loaded}, true // a GOT slot
			}
		}
	}
	return value{}, false
}

func (m x86) step(code []byte, pc uint64, st *state) int {
	in, err := x86asm.Decode(code, m.mode)
	if err != nil || in.Len == 0 {
		return 0
	}
	// The instruction's text is formatted only for the accesses reported.
	text := func() string { return strings.ToLower(x86asm.IntelSyntax(in, pc, nil)) }
	next := pc + uint64(in.Len)
	st.nop = in.Op == x86asm.NOP
	// RIP-relative memory operands.
	for i, a := range in.Args {
		if mem, ok := a.(x86asm.Mem); ok && mem.Base == x86asm.RIP {
			t := next + uint64(mem.Disp)
			switch {
			case in.Op == x86asm.LEA:
				if r, ok := x86Reg(in.Args[0]); ok {
					st.set(r, value{t, pcrel})
				}
				st.access(pc, text(), "address", t)
				return in.Len
			case i == 0 && !readsFirst(in.Op):
				st.access(pc, text(), "store", t)
			default:
				st.access(pc, text(), "load", t)
			}
		}
	}
	// Operands relative to a register holding a PC-derived value (an i386
	// GOT base): the other register of base+index is the instance base of a
	// VNET(x) or DPCPU_GET(x) access.
	for i, a := range in.Args {
		mem, ok := a.(x86asm.Mem)
		if !ok || mem.Base == x86asm.RIP {
			continue
		}
		for _, r := range []x86asm.Reg{mem.Base, mem.Index} {
			n, ok := x86Reg(r)
			if !ok {
				continue
			}
			if v, known := st.get(n); known && v.k == pcrel && (r == mem.Base || mem.Scale == 1) {
				kind := "load"
				if i == 0 && !readsFirst(in.Op) {
					kind = "store"
				}
				if in.Op == x86asm.LEA {
					kind = "address"
				}
				st.access(pc, text(), kind, m.wrap(value{v.v + uint64(mem.Disp), pcrel}).v)
			}
		}
	}
	size := uint64(in.MemBytes)
	word := uint64(m.mode / 8)
	if in.DataSize == 16 {
		word = 2
	}
	dst, hasDst := x86Reg(in.Args[0])
	hasDst = hasDst && whole(in.Args[0])
	switch in.Op {
	case x86asm.ADD, x86asm.SUB:
		v, ok := st.get(dst)
		d, known := m.operand(st, in.Args[1], next, word)
		if !hasDst || !ok || !known {
			break
		}
		if in.Op == x86asm.SUB {
			if d.k != konst {
				break
			}
			d.v = -d.v
		}
		if sum, ok := v.add(d); ok {
			st.set(dst, m.wrap(sum))
			return in.Len
		}
	case x86asm.PUSH, x86asm.PUSHF, x86asm.PUSHFD, x86asm.PUSHFQ:
		v, known := m.operand(st, in.Args[0], next, word)
		sp, _ := st.stackPointer().plus(-word)
		sp = m.wrap(sp)
		st.set(4, sp)
		st.store(sp.v, word, v, known && in.Op == x86asm.PUSH)
		return in.Len
	case x86asm.POP, x86asm.POPF, x86asm.POPFD, x86asm.POPFQ:
		sp := st.stackPointer()
		v, known := st.load(sp.v, word)
		up, _ := sp.plus(word)
		st.set(4, m.wrap(up))
		if hasDst && dst != 4 {
			if known {
				st.set(dst, v)
			} else {
				st.clear(dst)
			}
		}
		return in.Len
	case x86asm.LEAVE, x86asm.ENTER: // the frame pointer and sp change
		st.clear(4)
		st.clear(5)
		return in.Len
	case x86asm.CALL:
		var t value
		known := false
		switch a := in.Args[0].(type) {
		case x86asm.Rel:
			target := m.wrap(value{next + uint64(int64(a)), konst}).v
			if m.mode == 32 && m.pcThunk(pc, next, target, st) {
				return in.Len // not a call: the PC-getting idiom
			}
			t, known = value{target, konst}, true
		case x86asm.Mem:
			if ad, ok := m.addr(st, a, next); ok && ad.k != frame {
				t, known = value{ad.v, loaded}, true // call *slot
			}
		case x86asm.Reg:
			if r, ok := x86Reg(a); ok {
				t, known = st.get(r)
			}
		}
		st.call(pc, in.Len, t, known)
		return in.Len
	case x86asm.JMP:
		if _, direct := in.Args[0].(x86asm.Rel); !direct {
			st.endsStub = true
		}
		st.reset()
		return in.Len
	case x86asm.RET:
		st.reset()
		return in.Len
	case x86asm.XOR:
		if src, ok := x86Reg(in.Args[1]); ok && hasDst && src == dst {
			st.set(dst, value{0, konst})
			return in.Len
		}
	case x86asm.MOV, x86asm.LEA:
		if mem, ok := in.Args[0].(x86asm.Mem); ok && in.Op == x86asm.MOV {
			if ad, ok := m.addr(st, mem, next); ok && ad.k == frame {
				v, known := m.operand(st, in.Args[1], next, size)
				st.store(ad.v, size, v, known)
			}
			return in.Len
		}
		if !hasDst {
			break
		}
		var v value
		known := false
		if mem, ok := in.Args[1].(x86asm.Mem); ok && in.Op == x86asm.LEA {
			if v, known = m.addr(st, mem, next); known && v.k == pcrel {
				known = false // @GOTOFF addresses are accesses, reported above
			}
		} else {
			v, known = m.operand(st, in.Args[1], next, word)
		}
		if known {
			if v.k == konst {
				v.v = width(in.Args[0], v.v)
			}
			st.set(dst, v)
			return in.Len
		}
	case x86asm.CMP, x86asm.TEST:
		return in.Len
	}
	if r, ok := x86Reg(in.Args[0]); ok {
		st.clear(r)
	} else if mem, ok := in.Args[0].(x86asm.Mem); ok && !readsFirst(in.Op) {
		if ad, ok := m.addr(st, mem, next); ok && ad.k == frame {
			st.store(ad.v, size, value{}, false)
		}
	}
	return in.Len
}

// pcThunk recognises i386 PIC's ways of reading the program counter at a
// call to target: "call 1f; 1: pop %reg" (clang), where the return address
// pushed is popped, and GCC's __x86.get_pc_thunk.reg ("mov (%esp), %reg;
// ret"), which returns it in reg. Neither is a call to report.
func (m x86) pcThunk(pc, next, target uint64, st *state) bool {
	if target == next {
		sp, _ := st.stackPointer().plus(^uint64(3)) // -4
		sp = m.wrap(sp)
		st.set(4, sp)
		st.store(sp.v, 4, value{next, pcrel}, true)
		return true
	}
	b := textAt(m.f, target, 4)
	if len(b) == 4 && b[0] == 0x8b && b[1]&0xc7 == 0x04 && b[2] == 0x24 && b[3] == 0xc3 {
		st.set(int(b[1]>>3&7), value{next, pcrel})
		return true
	}
	return false
}

// enterStub gives an i386 PLT stub the GOT address in ebx, where the psABI
// has the caller put it (SysV i386 psABI 5.2, "Procedure Linkage Table":
// position-independent PLT entries jump through *name@GOT(%ebx)).
func (m x86) enterStub(st *state) {
	if m.mode != 32 {
		return
	}
	if v, ok := st.get(3); ok && v.k == pcrel {
		return
	}
	if got := m.f.SectionByName(".got.plt"); got != nil {
		st.set(3, value{got.Addr, pcrel})
	}
}
