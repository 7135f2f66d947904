package code

import (
	"debug/elf"
	"strings"

	"golang.org/x/arch/riscv64/riscv64asm"

	"github.com/kldcheck/kldcheck/kobj"
)

func init() {
	machines[elf.EM_RISCV] = func(*kobj.File) machine { return riscv64{} }
}

// riscv64 follows auipc-based addressing: auipc+addi, auipc+load/store,
// auipc+jalr (calls through the PLT), and calls (abi.go: the RISC-V psABI).
type riscv64 struct{}

func (riscv64) minLen() int { return 2 }

// before: an auipc+jalr call is relocated from its auipc.
func (riscv64) before() int { return 4 }

func rvReg(a riscv64asm.Arg) (int, bool) {
	r, ok := a.(riscv64asm.Reg)
	if !ok || r > riscv64asm.X31 {
		return 0, false
	}
	return int(r - riscv64asm.X0), true
}

func rvImm(a riscv64asm.Arg) (int64, bool) {
	switch x := a.(type) {
	case riscv64asm.Simm:
		return int64(x.Imm), true
	case riscv64asm.Uimm:
		return int64(x.Imm), true
	}
	return 0, false
}

func (riscv64) sharedDecoder() {}

// rvSizes is the access size of the loads and stores of whole registers
// or parts, as riscv64asm decodes compressed ones too.
var rvSizes = map[riscv64asm.Op]uint64{
	riscv64asm.SD: 8, riscv64asm.SW: 4, riscv64asm.SH: 2, riscv64asm.SB: 1,
	riscv64asm.LD: 8, riscv64asm.LW: 4, riscv64asm.LWU: 4, riscv64asm.LH: 2, riscv64asm.LHU: 2,
	riscv64asm.LB: 1, riscv64asm.LBU: 1,
}

func (riscv64) step(code []byte, pc uint64, st *state) int {
	in, err := riscv64asm.Decode(code)
	if err != nil || in.Len == 0 {
		return 0
	}
	text := strings.ToLower(in.String())
	st.nop = in.Enc == 0x00000013 || in.Enc == 0x0001 // addi zero, zero, 0; c.nop
	dst, hasDst := rvReg(in.Args[0])
	get := func(r int) (value, bool) {
		if r == 0 {
			return value{0, konst}, true
		}
		return st.get(r)
	}
	set := func(r int, v value) {
		if r != 0 {
			st.set(r, v)
		}
	}
	// Memory accesses: an offset from a base register.
	for i, a := range in.Args {
		var base int
		var off int64
		switch m := a.(type) {
		case riscv64asm.RegOffset:
			base, off = int(m.OfsReg-riscv64asm.X0), int64(m.Ofs.Imm)
		default:
			continue
		}
		if in.Op == riscv64asm.JALR {
			var t value
			v, known := get(base)
			if known && (off == 0 || v.k != loaded) {
				t = value{v.v + uint64(off), v.k}
			}
			if dst == 1 {
				st.call(pc, in.Len, t, known && (off == 0 || v.k != loaded))
				return in.Len
			}
			// a jump (jr, or a PLT stub's jalr t1), not a call
			st.endsStub = true
			st.reset()
			return in.Len
		}
		if v, ok := get(base); ok && v.k == pcrel {
			kind := "load"
			if i > 0 && strings.HasPrefix(text, "s") {
				kind = "store"
			}
			st.access(pc, text, kind, v.v+uint64(off))
			if in.Op == riscv64asm.LD && hasDst {
				set(dst, value{v.v + uint64(off), loaded}) // a GOT slot
				return in.Len
			}
		}
		if v, ok := get(base); ok && v.k == frame {
			a := v.v + uint64(off)
			switch size := rvSizes[in.Op]; {
			case size > 0 && strings.HasPrefix(text, "s"):
				src, _ := rvReg(in.Args[0])
				w, known := get(src)
				st.store(a, size, w, known)
				return in.Len
			case size == 8 && hasDst:
				if w, known := st.load(a, 8); known {
					set(dst, w)
					return in.Len
				}
			}
		}
	}
	switch in.Op {
	case riscv64asm.AUIPC:
		if imm, ok := rvImm(in.Args[1]); ok {
			set(dst, value{pc + uint64(int64(int32(uint32(imm)<<12))), pcrel})
			return in.Len
		}
	case riscv64asm.ADDI, riscv64asm.C_ADDI, riscv64asm.C_ADDIW, riscv64asm.ADDIW:
		src, imm := dst, int64(0)
		if len(in.Args) > 2 && in.Args[2] != nil {
			src, _ = rvReg(in.Args[1])
			imm, _ = rvImm(in.Args[2])
		} else {
			imm, _ = rvImm(in.Args[1])
		}
		if v, ok := get(src); ok {
			nv, ok := v.plus(uint64(imm))
			if !ok {
				break
			}
			set(dst, nv)
			if v.k == pcrel {
				st.access(pc, text, "address", nv.v)
			}
			return in.Len
		}
	case riscv64asm.C_LI:
		if imm, ok := rvImm(in.Args[1]); ok {
			set(dst, value{uint64(imm), konst})
			return in.Len
		}
	case riscv64asm.ADD: // mv rd, rs is add rd, x0, rs
		a, _ := rvReg(in.Args[1])
		b, _ := rvReg(in.Args[2])
		va, aok := get(a)
		vb, bok := get(b)
		if sum, ok := va.add(vb); ok && aok && bok {
			set(dst, sum)
			return in.Len
		}
	case riscv64asm.C_MV:
		if src, ok := rvReg(in.Args[1]); ok {
			if v, ok := get(src); ok {
				set(dst, v)
				return in.Len
			}
		}
	case riscv64asm.JAL:
		if dst == 1 {
			off, ok := rvImm(in.Args[1])
			st.call(pc, in.Len, value{pc + uint64(off), konst}, ok)
		} else if dst == 0 {
			st.reset()
		}
		return in.Len
	case riscv64asm.C_J, riscv64asm.C_JR:
		if in.Op == riscv64asm.C_JR {
			st.endsStub = true
		}
		st.reset()
		return in.Len
	case riscv64asm.C_JALR:
		src, _ := rvReg(in.Args[0])
		t, ok := get(src)
		st.call(pc, in.Len, t, ok)
		return in.Len
	}
	// Compressed loads and stores name base and offset separately.
	if strings.HasPrefix(text, "c.l") || strings.HasPrefix(text, "c.s") {
		if len(in.Args) > 2 {
			if base, ok := rvReg(in.Args[1]); ok {
				if off, ok := rvImm(in.Args[2]); ok {
					if v, ok := get(base); ok && v.k == pcrel {
						kind := "load"
						if strings.HasPrefix(text, "c.s") {
							kind = "store"
						}
						st.access(pc, text, kind, v.v+uint64(off))
					}
				}
			}
		}
	}
	if hasDst && !strings.HasPrefix(text, "s") && !strings.HasPrefix(text, "c.s") && !strings.HasPrefix(text, "b") {
		st.clear(dst)
	}
	return in.Len
}
