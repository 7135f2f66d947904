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
// adrp+ldr/str with an unsigned offset, calls (bl, blr; abi.go: AAPCS64)
// and the stack words their arguments past x7 are stored to.
type arm64 struct{}

// arm64SP numbers the stack pointer in the state, apart from the zero
// register (31), which shares its encoding.
const arm64SP = 32

func (arm64) minLen() int { return 4 }

// arm64Reg maps an arm64asm register to its number 0-30, 31 for the zero
// register, arm64SP for sp; ok is false for other registers.
func arm64Reg(a arm64asm.Arg) (int, bool) {
	var r arm64asm.Reg
	switch x := a.(type) {
	case arm64asm.Reg:
		r = x
	case arm64asm.RegSP:
		if r = arm64asm.Reg(x); r == arm64asm.SP || r == arm64asm.WSP {
			return arm64SP, true
		}
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
			st.set(dst, value{t, pcrel})
			st.access(pc, text(), "address", t)
			return 4
		}
	case arm64asm.ADRP:
		if off, ok := in.Args[1].(arm64asm.PCRel); ok {
			st.set(dst, value{pc&^0xfff + uint64(off), pcrel})
			return 4
		}
	case arm64asm.ADD, arm64asm.SUB:
		// ADD/SUB (immediate): imm12 in bits 21:10, optionally shifted by
		// 12 (bit 22), bit 30 set for SUB; x/arch keeps the immediate
		// unexported.
		if enc&0x1f000000 == 0x11000000 {
			src, _ := arm64Reg(in.Args[1])
			if v, ok := st.get(src); ok && src != 31 {
				imm := uint64(enc>>10) & 0xfff
				if enc&(1<<22) != 0 {
					imm <<= 12
				}
				if enc&(1<<30) != 0 {
					imm = -imm
				}
				nv, ok := v.plus(imm)
				if !ok {
					break
				}
				if enc>>31 == 0 {
					nv = nv.wrap32()
				}
				st.set(dst, nv)
				if v.k == pcrel && in.Op == arm64asm.ADD {
					st.access(pc, text(), "address", nv.v)
				}
				return 4
			}
		}
	case arm64asm.MOV, arm64asm.MOVZ:
		switch a := in.Args[1].(type) {
		case arm64asm.Imm:
			st.set(dst, value{uint64(a.Imm), konst})
			return 4
		case arm64asm.Imm64:
			st.set(dst, value{a.Imm, konst})
			return 4
		default:
			if src, ok := arm64Reg(a); ok {
				if src == 31 && (a == arm64asm.Arg(arm64asm.XZR) || a == arm64asm.Arg(arm64asm.WZR)) {
					st.set(dst, value{0, konst})
				} else if v, ok := st.get(src); ok {
					st.set(dst, v)
				} else {
					st.clear(dst)
				}
				return 4
			}
		}
	case arm64asm.BL:
		off, ok := in.Args[0].(arm64asm.PCRel)
		st.call(pc, 4, value{pc + uint64(off), konst}, ok)
		return 4
	case arm64asm.BLR:
		r, _ := arm64Reg(in.Args[0])
		t, ok := st.get(r)
		st.call(pc, 4, t, ok)
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
			b, _ := arm64Reg(m.Base)
			size, opc := enc>>30, enc>>22&3
			if v, ok := st.get(b); ok {
				t := v.v + uint64(enc>>10&0xfff)<<size
				kind := map[bool]string{true: "store", false: "load"}[opc == 0]
				switch {
				case v.k == pcrel:
					st.access(pc, text(), kind, t)
					if opc == 1 && size == 3 && hasDst {
						st.set(dst, value{t, loaded}) // ldr xN from a GOT slot
						return 4
					}
				case v.k == frame && opc == 0:
					w, known := arm64Value(st, dst)
					st.store(t, 1<<size, w, known)
					return 4
				case v.k == frame && opc == 1 && size == 3 && hasDst:
					if w, known := st.load(t, 8); known {
						st.set(dst, w)
						return 4
					}
				}
			}
		}
	}
	if arm64Frame(in, st) {
		return 4
	}
	if hasDst && writesFirst(in.Op.String()) {
		st.clear(dst)
	}
	return 4
}

// arm64Value is register r's value, the zero register reading as 0.
func arm64Value(st *state, r int) (value, bool) {
	if r == 31 {
		return value{0, konst}, true
	}
	return st.get(r)
}

// arm64Frame models the other immediate-offset loads and stores
// (unscaled, pre- and post-indexed single registers; register pairs):
// their write-back to the base register (the stack pointer in prologues
// and epilogues), and the stack words stored. It returns true for a store
// it has modelled.
func arm64Frame(in arm64asm.Inst, st *state) bool {
	enc := in.Enc
	rn := int(enc >> 5 & 31)
	if rn == 31 {
		rn = arm64SP
	}
	var imm, scale int64
	// idx is bits 24:23 (pairs) or 11:10: 1 post-indexed, 3 pre-indexed.
	var idx uint32
	pair := enc>>27&7 == 5 && enc>>25&1 == 0 // LDP/STP family
	switch {
	case pair:
		idx, scale = enc>>23&3, 4<<(enc>>31)
		if enc>>26&1 != 0 { // SIMD&FP registers
			scale = 4 << (enc >> 30)
		}
		imm = (int64(enc>>15&0x7f) << 57 >> 57) * scale
	case enc>>27&7 == 7 && enc>>24&3 == 0 && enc>>21&1 == 0: // LDR/STR (imm9)
		idx, scale = enc>>10&3, 1<<(enc>>30)
		imm = int64(enc>>12&0x1ff) << 55 >> 55
		if idx == 2 { // unprivileged
			return false
		}
	default:
		return false
	}
	base, known := st.get(rn)
	addr, ok := base.plus(uint64(imm))
	if idx == 1 {
		addr, ok = base, true
	}
	ok = ok && known
	store := enc>>22&1 == 0 && enc>>26&1 == 0
	if store && ok && addr.k == frame {
		n := 1
		if pair {
			n = 2
		}
		for i, a := range in.Args[:n] {
			r, _ := arm64Reg(a)
			w, k := arm64Value(st, r)
			st.store(addr.v+uint64(i)*uint64(scale), uint64(scale), w, k)
		}
	}
	if pair && !store && enc>>26&1 == 0 {
		for _, a := range in.Args[:2] {
			if r, ok := arm64Reg(a); ok {
				st.clear(r)
			}
		}
	}
	if idx == 1 || idx == 3 { // write-back
		if nb, ok := base.plus(uint64(imm)); ok && known {
			st.set(rn, nb)
		} else {
			st.clear(rn)
		}
	}
	return store || pair
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
