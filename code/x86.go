package code

import (
	"debug/elf"
	"strings"

	"golang.org/x/arch/x86/x86asm"

	"github.com/kldcheck/kldcheck/kobj"
)

func init() {
	machines[elf.EM_X86_64] = func(*kobj.File) machine { return x86{mode: 64} }
	machines[elf.EM_386] = func(*kobj.File) machine { return x86{mode: 32} }
}

// x86 follows calls and constant argument registers (SysV AMD64: rdi, rsi,
// rdx, rcx, r8, r9; i386 passes arguments on the stack), RIP-relative
// addressing, and i386 PIC's GOT base ("call 1f; 1: pop %reg; add $off, %reg")
// with @GOTOFF operands relative to it. amd64 modules are relocatable, so
// their references to set variables go through relocations the kernel linker
// applies with final addresses; the scan serves the call graph there.
type x86 struct{ mode int }

var amd64Args = []int{7, 6, 2, 1, 8, 9} // rdi rsi rdx rcx r8 r9

var amd64Clobbered = []int{0, 1, 2, 6, 7, 8, 9, 10, 11}

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
					st.set(r, value{t, true})
				}
				st.access(pc, text(), "address", t)
				return in.Len
			case i == 0:
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
			if v, known := st.get(n); known && v.pcrel && (r == mem.Base || mem.Scale == 1) {
				kind := map[bool]string{true: "store", false: "load"}[i == 0]
				if in.Op == x86asm.LEA {
					kind = "address"
				}
				t := v.v + uint64(mem.Disp)
				if m.mode == 32 {
					t = uint64(uint32(t)) // 32-bit address arithmetic wraps
				}
				st.access(pc, text(), kind, t)
			}
		}
	}
	dst, hasDst := x86Reg(in.Args[0])
	if st.popNext == pc && in.Op == x86asm.POP && hasDst {
		st.set(dst, value{pc, true}) // call 1f; 1: pop %reg
		return in.Len
	}
	switch in.Op {
	case x86asm.ADD:
		if imm, ok := in.Args[1].(x86asm.Imm); ok && hasDst {
			if v, ok := st.get(dst); ok {
				sum := v.v + uint64(imm)
				if m.mode == 32 {
					sum = uint64(uint32(sum))
				}
				st.set(dst, value{sum, v.pcrel})
				return in.Len
			}
		}
	case x86asm.CALL:
		if rel, ok := in.Args[0].(x86asm.Rel); ok && rel == 0 && m.mode == 32 {
			st.popNext = next // not a call: the PC-getting idiom
			return in.Len
		}
		if rel, ok := in.Args[0].(x86asm.Rel); ok {
			st.call(pc, next+uint64(int64(rel)), amd64Args)
		} else {
			st.call(pc, 0, amd64Args)
		}
		for _, r := range amd64Clobbered {
			st.clear(r)
		}
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
			st.set(dst, value{0, false})
			return in.Len
		}
	case x86asm.MOV:
		if imm, ok := in.Args[1].(x86asm.Imm); ok && hasDst {
			st.set(dst, value{uint64(imm), false})
			return in.Len
		}
		if src, ok := x86Reg(in.Args[1]); ok && hasDst {
			if v, ok := st.get(src); ok {
				st.set(dst, v)
				return in.Len
			}
		}
	case x86asm.PUSH, x86asm.CMP, x86asm.TEST:
		return in.Len
	}
	if hasDst {
		st.clear(dst)
	}
	return in.Len
}
