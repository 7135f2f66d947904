package code

import (
	"debug/elf"
	"encoding/binary"
	"strings"

	"golang.org/x/arch/ppc64/ppc64asm"

	"github.com/kldcheck/kldcheck/kobj"
)

func init() {
	machines[elf.EM_PPC64] = func(f *kobj.File) machine {
		toc := int64(24) // ELF V2 ABI 2.2.2.1: the TOC save doubleword at 24(r1)
		if ppc64ELFv1(f) {
			toc = 40
		}
		return ppc{f: f, order: f.Arch.ByteOrder(), bits: 64, tocSave: toc}
	}
	machines[elf.EM_PPC] = func(f *kobj.File) machine { return ppc{f: f, order: f.Arch.ByteOrder(), bits: 32} }
}

// ppc follows powerpc and powerpc64 code (ppc64asm decodes both, in the
// file's byte order):
//   - powerpc64 TOC-relative addressing (ELF V2): a function's global entry
//     computes r2 from r12 (addis r2, r12, hi; addi r2, r2, lo), data is
//     reached as addis rX, r2, hi; addi rX, rX, lo (no relocation) or
//     ld rX, off(r2) from a TOC entry (relocated); Power ISA 3.1 prefixed
//     PC-relative paddi/pld forms;
//   - 32-bit PIC's GOT pointer: "bl 1f; 1: mflr r30" (or bcl 20,31,1f), or
//     "bl _GLOBAL_OFFSET_TABLE_@local-4" onto the GOT's blrl, then
//     addis/addi on r30, and loads from the GOT (.got2) relative to it;
//   - calls: bl, and the -mlongcall form sys/conf/kmod.mk builds powerpc
//     modules with, where the callee's address is loaded from its TOC or
//     GOT slot, moved to ctr and called with bctrl; PLT call stubs are
//     followed with the caller's r2 or r30 (names.go). Arguments: abi.go.
type ppc struct {
	f       *kobj.File
	order   binary.ByteOrder
	bits    int
	tocSave int64 // where powerpc64 code saves r2 across calls, from r1
}

// Pseudo-registers of the state beside r0-r31.
const (
	ppcLR  = 32
	ppcCTR = 33
)

// SPR numbers of mfspr and mtspr.
const (
	sprLR  = 8
	sprCTR = 9
)

// blrl is the instruction the GOT of 32-bit PIC code holds at
// _GLOBAL_OFFSET_TABLE_-4 for "bl _GLOBAL_OFFSET_TABLE_@local-4".
const blrl = 0x4e800021

func (ppc) minLen() int { return 4 }

func (m ppc) enter(start uint64, st *state) {
	if m.bits == 64 {
		st.set(12, value{start, pcrel})
	}
}

func ppcReg(a ppc64asm.Arg) (int, bool) {
	r, ok := a.(ppc64asm.Reg)
	if !ok || r < ppc64asm.R0 || r > ppc64asm.R31 {
		return 0, false
	}
	return int(r - ppc64asm.R0), true
}

func (ppc) sharedDecoder() {}

func (m ppc) wrap(v value) value {
	if m.bits == 32 {
		return v.wrap32()
	}
	return v
}

// memSize is the size in bytes of a load or store mnemonic's access.
func memSize(op string) uint64 {
	op = strings.TrimPrefix(strings.TrimPrefix(op, "p"), "st")
	op = strings.TrimPrefix(op, "l")
	switch {
	case strings.HasPrefix(op, "d"):
		return 8
	case strings.HasPrefix(op, "w"):
		return 4
	case strings.HasPrefix(op, "h"):
		return 2
	case strings.HasPrefix(op, "b"):
		return 1
	}
	return 0
}

func (m ppc) step(code []byte, pc uint64, st *state) int {
	if len(code) < 4 {
		return 0
	}
	in, err := ppc64asm.Decode(code, m.order)
	if err != nil || in.Len == 0 || in.Op == 0 {
		return 0
	}
	// The instruction's text is formatted only for the accesses reported.
	text := func() string { return strings.ToLower(in.String()) }
	op := in.Op.String()
	st.nop = in.Op == ppc64asm.NOP
	dst, hasDst := ppcReg(in.Args[0])
	imm := func(i int) uint64 { v, _ := in.Args[i].(ppc64asm.Imm); return uint64(int64(v)) }
	switch in.Op {
	case ppc64asm.LI, ppc64asm.LIS:
		v := imm(1)
		if in.Op == ppc64asm.LIS {
			v <<= 16
		}
		st.set(dst, m.wrap(value{v, konst}))
		return in.Len
	case ppc64asm.ADDI, ppc64asm.ADDIS:
		src, _ := ppcReg(in.Args[1])
		add := imm(2)
		if in.Op == ppc64asm.ADDIS {
			add <<= 16
		}
		if v, ok := st.get(src); ok && src != 0 {
			if nv, ok := v.plus(add); ok {
				st.set(dst, m.wrap(nv))
				// The TOC pointer (ELF V2 ABI 2.2.1.1) and LLVM's 32-bit PIC
				// base, r30 (reserved as such by PPCRegisterInfo): one value
				// for the whole function.
				if v.k == pcrel && dst == src && (m.bits == 64 && dst == 2 || m.bits == 32 && dst == 30) {
					st.hold(dst)
				}
				if v.k == pcrel && in.Op == ppc64asm.ADDI && dst != 2 {
					st.access(pc, text(), "address", m.wrap(nv).v)
				}
				return in.Len
			}
		}
	case ppc64asm.PADDI: // paddi rT, 0, off, 1: PC-relative
		if ra, _ := ppcReg(in.Args[1]); ra == 0 && imm(3) == 1 {
			t := pc + imm(2)
			st.set(dst, value{t, pcrel})
			st.access(pc, text(), "address", t)
			return in.Len
		}
	case ppc64asm.OR: // mr rA, rS is or rA, rS, rS
		if a, _ := ppcReg(in.Args[1]); in.Args[1] == in.Args[2] {
			if v, ok := st.get(a); ok {
				st.set(dst, v)
				return in.Len
			}
		}
	case ppc64asm.MFSPR:
		if r, ok := sprReg(in.Args[1]); ok {
			if v, ok := st.get(r); ok {
				st.set(dst, v)
				return in.Len
			}
		}
	case ppc64asm.MTSPR:
		if r, ok := sprReg(in.Args[0]); ok {
			src, _ := ppcReg(in.Args[1])
			if v, ok := st.get(src); ok {
				st.set(r, v)
			} else {
				st.clear(r)
			}
		}
		return in.Len
	case ppc64asm.BL, ppc64asm.BCL:
		off, _ := in.Args[0].(ppc64asm.PCRel)
		if in.Op == ppc64asm.BCL {
			off, _ = in.Args[2].(ppc64asm.PCRel)
		}
		t := m.wrap(value{pc + uint64(int64(off)), konst}).v
		switch {
		case t == pc+4: // bl 1f; 1: mflr rX reads the PC: not a call
			st.set(ppcLR, value{t, pcrel})
		case m.getsGOT(t): // the GOT's blrl returns with lr = its own address + 4
			st.set(ppcLR, value{t + 4, pcrel})
		default:
			st.call(pc, in.Len, value{t, konst}, true)
		}
		return in.Len
	case ppc64asm.BCCTRL, ppc64asm.BCLRL:
		r := map[ppc64asm.Op]int{ppc64asm.BCCTRL: ppcCTR, ppc64asm.BCLRL: ppcLR}[in.Op]
		t, ok := st.get(r)
		st.call(pc, in.Len, t, ok)
		return in.Len
	case ppc64asm.B, ppc64asm.BCLR, ppc64asm.BCCTR:
		always := in.Op == ppc64asm.B || imm(0)&0x14 == 0x14 // BO 1z1zz: branch always
		if in.Op == ppc64asm.BCCTR && always {
			st.endsStub = true
		}
		if always {
			st.reset()
		}
		return in.Len
	}
	if m.memory(in, op, text, pc, st) {
		return in.Len
	}
	if hasDst && !strings.HasPrefix(op, "st") && !strings.HasPrefix(op, "cmp") {
		st.clear(dst)
	}
	return in.Len
}

// sprReg maps the link and count registers of mfspr and mtspr to the
// state's pseudo-registers.
func sprReg(a ppc64asm.Arg) (int, bool) {
	switch a {
	case ppc64asm.SpReg(sprLR):
		return ppcLR, true
	case ppc64asm.SpReg(sprCTR):
		return ppcCTR, true
	}
	return 0, false
}

// getsGOT reports a bl onto a blrl: the 32-bit PIC GOT idiom, after which
// lr holds the address following the blrl.
func (m ppc) getsGOT(t uint64) bool {
	b := textAt(m.f, t, 4)
	return len(b) == 4 && m.order.Uint32(b) == blrl
}

// memory models the D-form, DS-form and prefixed loads and stores, off(rA):
// PC-relative (from a known address) ones are accesses, and a word loaded
// from one is that slot's content; words of the stack frame are tracked.
// It returns true when it has set the instruction's effect.
func (m ppc) memory(in ppc64asm.Inst, op string, text func() string, pc uint64, st *state) bool {
	store := strings.HasPrefix(op, "st")
	if !store && !strings.HasPrefix(op, "l") && !strings.HasPrefix(op, "pl") && !strings.HasPrefix(op, "pst") {
		return false
	}
	off, ok := in.Args[1].(ppc64asm.Offset)
	if !ok {
		return false
	}
	rt, isGPR := ppcReg(in.Args[0])
	ra, _ := ppcReg(in.Args[2])
	if !isGPR {
		return false // floating-point and vector loads and stores
	}
	base, known := st.get(ra)
	if !known && ra == 1 {
		base, known = st.stackPointer(), true
	}
	if ra == 0 { // (0): no base register, or PC-relative when R=1
		base, known = value{0, konst}, true
		if r, _ := in.Args[3].(ppc64asm.Imm); r == 1 {
			base = value{pc, pcrel}
		}
	}
	if !known {
		return false
	}
	addr, ok := base.plus(uint64(int64(off)))
	if !ok {
		return false
	}
	addr = m.wrap(addr)
	size := memSize(op)
	update := strings.HasSuffix(op, "u") && ra != 0
	if addr.k == pcrel {
		kind := map[bool]string{true: "store", false: "load"}[store]
		st.access(pc, text(), kind, addr.v)
	}
	switch {
	case store:
		v, ok := st.get(rt)
		if addr.k == frame {
			st.store(addr.v, size, v, ok)
		}
	case m.bits == 64 && rt == 2 && ra == 1 && int64(off) == m.tocSave && st.keep[2]:
		// ld r2, 24(r1) after a call restores the function's TOC pointer
	case addr.k == pcrel && size == uint64(m.bits/8) && (op == "lwz" || op == "ld" || op == "pld" || op == "plwz"):
		st.set(rt, value{addr.v, loaded})
	case addr.k == frame:
		if v, ok := st.load(addr.v, size); ok && size == uint64(m.bits/8) {
			st.set(rt, v)
		} else {
			st.clear(rt)
		}
	default:
		st.clear(rt)
	}
	if update {
		st.set(ra, addr)
	}
	return true
}

// aliases adds each ELF V2 function's local entry point (after its TOC
// setup: addis r2, r12, hi; addi r2, r2, lo), where calls from functions
// sharing its TOC land (ELF V2 ABI 2.3.2.1).
func (m ppc) aliases(f *kobj.File, funcs map[uint64]string) {
	if m.bits != 64 {
		return
	}
	local := map[uint64]string{}
	for a, name := range funcs {
		b := textAt(f, a, 8)
		if len(b) == 8 && m.order.Uint32(b)&0xffff0000 == 0x3c4c0000 && m.order.Uint32(b[4:])&0xffff0000 == 0x38420000 {
			local[a+8] = name
		}
	}
	for a, name := range local {
		if _, taken := funcs[a]; !taken {
			funcs[a] = name
		}
	}
}
