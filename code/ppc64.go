package code

import (
	"debug/elf"
	"encoding/binary"
	"strings"

	"golang.org/x/arch/ppc64/ppc64asm"

	"github.com/kldcheck/kldcheck/kobj"
)

func init() {
	machines[elf.EM_PPC64] = func(f *kobj.File) machine { return ppc64{order: f.Arch.ByteOrder()} }
}

// ppc64 follows TOC-relative addressing (ELFv2): a function's global entry
// computes r2 from r12 (addis r2, r12, hi; addi r2, r2, lo), and data is
// reached as addis rX, r2, hi; addi rX, rX, lo (TOC-relative, no
// relocation) or ld rX, off(r2) from a TOC entry (relocated). Arguments in
// r3-r10.
type ppc64 struct{ order binary.ByteOrder }

var ppcArgs = []int{3, 4, 5, 6, 7, 8, 9, 10}

func (ppc64) minLen() int { return 4 }

func (ppc64) enter(start uint64, st *state) { st.set(12, value{start, true}) }

func ppcReg(a ppc64asm.Arg) (int, bool) {
	r, ok := a.(ppc64asm.Reg)
	if !ok || r < ppc64asm.R0 || r > ppc64asm.R31 {
		return 0, false
	}
	return int(r - ppc64asm.R0), true
}

func (ppc64) sharedDecoder() {}

func (m ppc64) step(code []byte, pc uint64, st *state) int {
	if len(code) < 4 {
		return 0
	}
	in, err := ppc64asm.Decode(code, m.order)
	if err != nil || in.Len == 0 {
		return 0
	}
	text := strings.ToLower(in.String())
	st.nop = text == "nop"
	dst, hasDst := ppcReg(in.Args[0])
	switch in.Op {
	case ppc64asm.ADDI, ppc64asm.ADDIS:
		src, _ := ppcReg(in.Args[1])
		imm, _ := in.Args[2].(ppc64asm.Imm)
		add := uint64(int64(imm))
		if in.Op == ppc64asm.ADDIS {
			add <<= 16
		}
		if src == 0 { // li, lis
			st.set(dst, value{add, false})
			return in.Len
		}
		if v, ok := st.get(src); ok {
			nv := value{v.v + add, v.pcrel}
			st.set(dst, nv)
			if v.pcrel && in.Op == ppc64asm.ADDI && dst != 2 {
				st.access(pc, text, "address", nv.v)
			}
			return in.Len
		}
	case ppc64asm.BL:
		if t, ok := in.Args[0].(ppc64asm.PCRel); ok {
			st.call(pc, pc+uint64(int64(t)), ppcArgs)
		}
		for _, r := range []int{0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} {
			st.clear(r)
		}
		return in.Len
	case ppc64asm.B, ppc64asm.BCLR, ppc64asm.BCCTR:
		if in.Op == ppc64asm.BCCTR {
			st.endsStub = true
		}
		if in.Op != ppc64asm.BCLR || strings.HasPrefix(text, "blr") || text == "bctr" || in.Op == ppc64asm.B {
			st.reset()
		}
		return in.Len
	}
	// D-form and DS-form loads and stores: off(rA).
	for i := 1; i+1 < len(in.Args) && in.Args[i+1] != nil; i++ {
		off, ok := in.Args[i].(ppc64asm.Offset)
		if !ok {
			continue
		}
		if base, ok := ppcReg(in.Args[i+1]); ok && base != 0 {
			if v, ok := st.get(base); ok && v.pcrel {
				kind := "load"
				if strings.HasPrefix(text, "st") {
					kind = "store"
				}
				st.access(pc, text, kind, v.v+uint64(int64(off)))
			}
		}
	}
	if hasDst && !strings.HasPrefix(text, "st") && !strings.HasPrefix(text, "cmp") {
		st.clear(dst)
	}
	return in.Len
}
