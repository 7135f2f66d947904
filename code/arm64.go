package code

import (
	"debug/elf"
	"encoding/binary"
	"strings"

	"golang.org/x/arch/arm64/arm64asm"

	"github.com/kldcheck/kldcheck/kobj"
)

func init() {
	machines[elf.EM_AARCH64] = func(*kobj.File) machine { return arm64{} }
}

// arm64 follows the AArch64 forms of PC-relative addressing: adr, adrp+add,
// adrp+ldr/str with an unsigned offset (AAPCS64: arguments in x0-x7, x0-x18
// and x30 clobbered by calls).
type arm64 struct{}

var arm64Args = []int{0, 1, 2, 3, 4, 5, 6, 7}

func (arm64) minLen() int { return 4 }

// reg maps an arm64asm register to its number 0-30, 31 for the zero register
// or sp; ok is false for other registers.
func arm64Reg(a arm64asm.Arg) (int, bool) {
	var r arm64asm.Reg
	switch x := a.(type) {
	case arm64asm.Reg:
		r = x
	case arm64asm.RegSP:
		r = arm64asm.Reg(x)
	default:
		return 0, false
	}
	switch {
	case r >= arm64asm.W0 && r <= arm64asm.WZR:
		return int(r - arm64asm.W0), true
	case r >= arm64asm.X0 && r <= arm64asm.XZR:
		return int(r - arm64asm.X0), true
	}
	return 0, false
}

func (arm64) sharedDecoder() {}

// mayReach looks for an ADR whose target, or an ADRP whose completed
// address, can lie in one of the ranges. An ADRP's address is completed by
// the first ADD (immediate) or load/store (unsigned offset) within the next
// few instructions that uses its register as base, as compilers emit them;
// an ADRP with no such use, or whose register is written first, is taken
// to reach its whole 4 KiB page. Any other
// way of forming such an address leaves a relocation, which the relocation
// check sees.
func (arm64) mayReach(code []byte, pc uint64, ranges []Range) bool {
	hit := func(lo, hi uint64) bool {
		for _, r := range ranges {
			if lo < r.Hi && r.Lo < hi {
				return true
			}
		}
		return false
	}
	word := func(i int) uint32 { return binary.LittleEndian.Uint32(code[i:]) }
	for i := 0; i+4 <= len(code); i += 4 {
		w := word(i)
		if w&0x1f000000 != 0x10000000 {
			continue
		}
		imm := int64(w>>5&0x7ffff)<<2 | int64(w>>29&3)
		imm = imm << 43 >> 43 // sign-extend 21 bits
		at := pc + uint64(i)
		if w&0x80000000 == 0 { // ADR
			if t := at + uint64(imm); hit(t, t+1) {
				return true
			}
			continue
		}
		page, reg := at&^0xfff+uint64(imm<<12), w&0x1f
		lo, hi := page, page+0x1000
		for j := i + 4; j+4 <= len(code) && j <= i+4*16; j += 4 {
			u := word(j)
			if u>>5&0x1f == reg {
				if u&0x7f800000 == 0x11000000 { // ADD (immediate)
					lo = page + uint64(u>>10&0xfff)<<(12*(u>>22&1))
					hi = lo + 1
					break
				}
				if u&0x3f000000 == 0x39000000 { // LDR/STR (unsigned offset)
					lo = page + uint64(u>>10&0xfff)<<(u>>30)
					hi = lo + 1<<(u>>30)
					break
				}
			}
			if u&0x1f == reg {
				break // the register is written (or stored) first: keep the page
			}
		}
		if hit(lo, hi) {
			return true
		}
	}
	return false
}

func (arm64) step(code []byte, pc uint64, st *state) int {
	if len(code) < 4 {
		return 0
	}
	in, err := arm64asm.Decode(code)
	if err != nil {
		return 0
	}
	// The instruction's text is formatted only for the accesses reported.
	text := func() string { return strings.ToLower(in.String()) }
	enc := in.Enc
	st.nop = in.Op == arm64asm.NOP
	dst, hasDst := arm64Reg(in.Args[0])
	switch in.Op {
	case arm64asm.ADR:
		if off, ok := in.Args[1].(arm64asm.PCRel); ok {
			t := pc + uint64(off)
			st.set(dst, value{t, true})
			st.access(pc, text(), "address", t)
			return 4
		}
	case arm64asm.ADRP:
		if off, ok := in.Args[1].(arm64asm.PCRel); ok {
			st.set(dst, value{pc&^0xfff + uint64(off), true})
			return 4
		}
	case arm64asm.ADD:
		// ADD (immediate): imm12 in bits 21:10, optionally shifted by 12
		// (bit 22); x/arch keeps the immediate unexported.
		if enc&0x1f000000 == 0x11000000 && enc&(1<<30) == 0 {
			src, _ := arm64Reg(in.Args[1])
			if v, ok := st.get(src); ok && src != 31 {
				imm := uint64(enc>>10) & 0xfff
				if enc&(1<<22) != 0 {
					imm <<= 12
				}
				nv := value{v.v + imm, v.pcrel}
				st.set(dst, nv)
				if v.pcrel {
					st.access(pc, text(), "address", nv.v)
				}
				return 4
			}
		}
	case arm64asm.MOV, arm64asm.MOVZ:
		switch a := in.Args[1].(type) {
		case arm64asm.Imm:
			st.set(dst, value{uint64(a.Imm), false})
			return 4
		case arm64asm.Imm64:
			st.set(dst, value{a.Imm, false})
			return 4
		default:
			if src, ok := arm64Reg(a); ok {
				if src == 31 && (a == arm64asm.Arg(arm64asm.XZR) || a == arm64asm.Arg(arm64asm.WZR)) {
					st.set(dst, value{0, false})
				} else if v, ok := st.get(src); ok {
					st.set(dst, v)
				} else {
					st.clear(dst)
				}
				return 4
			}
		}
	case arm64asm.BL:
		if off, ok := in.Args[0].(arm64asm.PCRel); ok {
			st.call(pc, pc+uint64(off), arm64Args)
		}
		for r := 0; r <= 18; r++ {
			st.clear(r)
		}
		st.clear(30)
		return 4
	case arm64asm.BR:
		st.endsStub = true
		st.reset()
		return 4
	case arm64asm.B, arm64asm.RET:
		if _, cond := in.Args[0].(arm64asm.Cond); in.Op == arm64asm.RET || !cond {
			st.reset()
		}
		return 4
	}
	// Loads and stores with an unsigned immediate offset (bits 29:24 = 111001,
	// general registers): address = base + imm12 << size.
	if enc&0x3f000000 == 0x39000000 {
		if m, ok := in.Args[1].(arm64asm.MemImmediate); ok {
			if v, ok := st.get(int(arm64asm.Reg(m.Base) - arm64asm.X0)); ok && v.pcrel {
				size := enc >> 30
				t := v.v + uint64(enc>>10&0xfff)<<size
				kind := "store"
				if enc&(1<<22) != 0 {
					kind = "load"
				}
				st.access(pc, text(), kind, t)
			}
		}
	}
	if hasDst && writesFirst(in.Op.String()) {
		st.clear(dst)
	}
	return 4
}

// writesFirst reports whether an AArch64 mnemonic writes its first operand:
// stores, compares, tests and branches do not.
func writesFirst(op string) bool {
	for _, p := range []string{"ST", "CMP", "CMN", "TST", "CB", "TB", "B", "PRFM", "DMB", "DSB", "ISB", "HINT", "NOP", "MSR", "SYS", "CCMP", "CCMN"} {
		if strings.HasPrefix(op, p) {
			return op == "BIC" || op == "BFI" || op == "BFXIL" || op == "BFM"
		}
	}
	return true
}
