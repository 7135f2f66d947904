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
// auipc+jalr (calls through the PLT). Arguments in a0-a7 (x10-x17); ra, t0-t6
// and a0-a7 are clobbered by calls.
type riscv64 struct{}

var riscvArgs = []int{10, 11, 12, 13, 14, 15, 16, 17}

var riscvClobbered = []int{1, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31}

func (riscv64) minLen() int { return 2 }

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
			return value{0, false}, true
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
			if v, ok := get(base); ok {
				if dst == 1 {
					st.call(pc, v.v+uint64(off), riscvArgs)
				}
			}
			if dst != 1 { // a jump (jr, or a PLT stub's jalr t1), not a call
				st.endsStub = true
				st.reset()
				return in.Len
			}
			for _, r := range riscvClobbered {
				st.clear(r)
			}
			return in.Len
		}
		if v, ok := get(base); ok && v.pcrel {
			kind := "load"
			if i > 0 && strings.HasPrefix(text, "s") {
				kind = "store"
			}
			st.access(pc, text, kind, v.v+uint64(off))
		}
	}
	switch in.Op {
	case riscv64asm.AUIPC:
		if imm, ok := rvImm(in.Args[1]); ok {
			set(dst, value{pc + uint64(int64(int32(uint32(imm)<<12))), true})
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
			nv := value{v.v + uint64(imm), v.pcrel}
			set(dst, nv)
			if v.pcrel {
				st.access(pc, text, "address", nv.v)
			}
			return in.Len
		}
	case riscv64asm.C_LI:
		if imm, ok := rvImm(in.Args[1]); ok {
			set(dst, value{uint64(imm), false})
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
		if off, ok := rvImm(in.Args[1]); ok && dst == 1 {
			st.call(pc, pc+uint64(off), riscvArgs)
		}
		if dst == 0 {
			st.reset()
		}
		for _, r := range riscvClobbered {
			st.clear(r)
		}
		return in.Len
	case riscv64asm.C_J, riscv64asm.C_JR:
		if in.Op == riscv64asm.C_JR {
			st.endsStub = true
		}
		st.reset()
		return in.Len
	case riscv64asm.C_JALR:
		for _, r := range riscvClobbered {
			st.clear(r)
		}
		return in.Len
	}
	// Compressed loads and stores name base and offset separately.
	if strings.HasPrefix(text, "c.l") || strings.HasPrefix(text, "c.s") {
		if len(in.Args) > 2 {
			if base, ok := rvReg(in.Args[1]); ok {
				if off, ok := rvImm(in.Args[2]); ok {
					if v, ok := get(base); ok && v.pcrel {
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
