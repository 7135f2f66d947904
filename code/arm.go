package code

import (
	"debug/elf"
	"math/bits"
	"sort"
	"strings"

	"golang.org/x/arch/arm/armasm"

	"github.com/kldcheck/kldcheck/kobj"
)

func init() {
	machines[elf.EM_ARM] = func(f *kobj.File) machine { return newARM(f) }
}

// arm follows 32-bit ARM code (armv7 modules are built in ARM state:
// sys/conf/kmod.mk passes -mno-movt -mfpu=none, no -mthumb): calls (bl, blx; abi.go: AAPCS), the
// PC-relative address forms (adr, i.e. add/sub rX, pc, #imm; a literal-pool
// word loaded with ldr rX, [pc, #imm], then add rX, pc, rX or
// ldr rY, [pc, rX] for -fPIC code; movw/movt pairs likewise), and PLT
// stubs (add ip, pc, #..; add ip, ip, #..; ldr pc, [ip, #..]!). The pc
// reads as the instruction's address + 8. Mapping symbols ($a, $d, $t:
// "ELF for the Arm Architecture" 5.5.5) mark data in code, skipped, and
// Thumb code, which armasm cannot decode: such functions are gaps.
type arm struct {
	f    *kobj.File
	maps []mapping
}

// mapping is a mapping symbol: the state of the code from addr to the next
// mapping symbol or end, the end of its section.
type mapping struct {
	addr, end uint64
	kind      byte // 'a' ARM, 't' Thumb, 'd' data
}

const thumbWhy = "Thumb code, which golang.org/x/arch/arm/armasm does not decode"

func newARM(f *kobj.File) *arm {
	m := &arm{f: f}
	for _, s := range f.Symbols {
		if len(s.Name) < 2 || s.Name[0] != '$' || !strings.ContainsRune("atd", rune(s.Name[1])) ||
			len(s.Name) > 2 && s.Name[2] != '.' || !s.InSection() || int(s.Section) >= len(f.Sections) {
			continue
		}
		sec := f.Sections[s.Section]
		m.maps = append(m.maps, mapping{s.Addr, sec.Addr + sec.Size, s.Name[1]})
	}
	sort.Slice(m.maps, func(i, j int) bool { return m.maps[i].addr < m.maps[j].addr })
	for i := 0; i+1 < len(m.maps); i++ {
		m.maps[i].end = min(m.maps[i].end, m.maps[i+1].addr)
	}
	return m
}

func (*arm) minLen() int    { return 4 }
func (*arm) sharedDecoder() {}

// mappingAt is the mapping symbol in force at a, if any.
func (m *arm) mappingAt(a uint64) (mapping, bool) {
	i := sort.Search(len(m.maps), func(i int) bool { return m.maps[i].addr > a }) - 1
	if i < 0 || a >= m.maps[i].end {
		return mapping{}, false
	}
	return m.maps[i], true
}

// unreadable reports Thumb functions: the Thumb bit in the function's
// symbol, or a $t mapping symbol in force in the function.
func (m *arm) unreadable(fn function) string {
	if fn.thumb {
		return thumbWhy
	}
	if mp, ok := m.mappingAt(fn.start); ok && mp.kind == 't' {
		return thumbWhy
	}
	for _, mp := range m.maps {
		if mp.kind == 't' && mp.addr >= fn.start && mp.addr < fn.end {
			return thumbWhy
		}
	}
	return ""
}

// aliases names Thumb functions at their even address, where blx lands.
func (m *arm) aliases(f *kobj.File, funcs map[uint64]string) {
	even := map[uint64]string{}
	for a, name := range funcs {
		if a&1 != 0 {
			even[a&^1] = name
		}
	}
	for a, name := range even {
		if _, taken := funcs[a]; !taken {
			funcs[a] = name
		}
	}
}

func armReg(a armasm.Arg) (int, bool) {
	r, ok := a.(armasm.Reg)
	if !ok || r > armasm.R15 {
		return 0, false
	}
	return int(r), true
}

// operand is the value of a register or immediate operand, where known.
func (m *arm) operand(st *state, a armasm.Arg, pc uint64) (value, bool) {
	switch a := a.(type) {
	case armasm.Imm:
		return value{uint64(a), konst}, true
	case armasm.ImmAlt:
		return value{uint64(a.Imm()), konst}, true
	case armasm.Reg:
		if a == armasm.PC {
			return value{pc + 8, pcrel}, true
		}
		if r, ok := armReg(a); ok {
			return st.get(r)
		}
	case armasm.RegShift:
		if v, ok := m.operand(st, a.Reg, pc); ok && v.k == konst && a.Shift == armasm.ShiftLeft {
			return value{uint64(uint32(v.v << a.Count)), konst}, true
		}
	}
	return value{}, false
}

// memAddr is the address a Mem operand reaches and the base register's
// value after write-back.
func (m *arm) memAddr(st *state, mem armasm.Mem, pc uint64) (addr, wb value, ok bool) {
	base, ok := m.operand(st, mem.Base, pc)
	if !ok && mem.Base == armasm.SP {
		base, ok = st.stackPointer(), true
	}
	if !ok {
		return value{}, value{}, false
	}
	x := value{uint64(int64(mem.Offset)), konst}
	if mem.Sign != 0 {
		if x, ok = m.operand(st, mem.Index, pc); !ok || x.k != konst && (mem.Count != 0 || mem.Sign < 0) {
			return value{}, value{}, false
		}
		if mem.Count != 0 {
			if mem.Shift != armasm.ShiftLeft {
				return value{}, value{}, false
			}
			x.v <<= mem.Count
		}
		if mem.Sign < 0 {
			x.v = -x.v
		}
	}
	sum, ok := base.add(x)
	if !ok {
		return value{}, value{}, false
	}
	sum = sum.wrap32()
	if mem.Mode == armasm.AddrPostIndex {
		return base, sum, true
	}
	return sum, sum, true
}

func (m *arm) step(code []byte, pc uint64, st *state) int {
	if mp, ok := m.mappingAt(pc); ok && mp.kind == 'd' {
		st.nop = true // a literal pool, or padding: skip to its end
		return int(min(mp.end-pc, uint64(len(code))))
	}
	if len(code) < 4 {
		return 0
	}
	in, err := armasm.Decode(code, armasm.ModeARM)
	if err != nil {
		return 0
	}
	mn, _, _ := strings.Cut(in.Op.String(), ".")
	always := in.Enc>>28 >= 14 // AL, or the unconditional space
	text := func() string { return strings.ToLower(armasm.GNUSyntax(in)) }
	dst, hasDst := armReg(in.Args[0])
	// write sets dst, or forgets it under a condition; a write to pc is a
	// jump (the end of a PLT stub when it loads pc) after which nothing is
	// known.
	write := func(r int, v value, known bool) {
		switch {
		case r == 15:
			st.endsStub = st.endsStub || always && mn == "LDR"
			st.reset()
		case known && always:
			st.set(r, v)
		default:
			st.clear(r)
		}
	}
	st.nop = mn == "NOP"
	switch mn {
	case "MOV", "MVN", "MOVW":
		v, ok := m.operand(st, in.Args[1], pc)
		if mn == "MVN" {
			ok = ok && v.k == konst
			v.v = uint64(^uint32(v.v))
		}
		write(dst, v, ok)
		return 4
	case "MOVT":
		v, ok := st.get(dst)
		imm, _ := in.Args[1].(armasm.Imm)
		write(dst, value{v.v&0xffff | uint64(imm)<<16, konst}, ok && v.k == konst)
		return 4
	case "ADD", "SUB":
		a, aok := m.operand(st, in.Args[1], pc)
		b, bok := m.operand(st, in.Args[2], pc)
		if mn == "SUB" {
			bok = bok && b.k == konst
			b.v = -b.v
		}
		sum, ok := a.add(b)
		ok = ok && aok && bok
		sum = sum.wrap32()
		write(dst, sum, ok)
		if ok && sum.k == pcrel && dst != 15 {
			st.access(pc, text(), "address", sum.v)
		}
		return 4
	case "LDR", "LDRB", "LDRH", "LDRSB", "LDRSH", "LDRD", "STR", "STRB", "STRH", "STRD":
		m.loadStore(in, mn, always, pc, st, text, write)
		return 4
	case "PUSH", "POP", "STM", "STMDB", "STMIB", "STMDA", "LDM", "LDMDB", "LDMIB", "LDMDA":
		m.multiple(in, mn, always, pc, st, write)
		return 4
	case "BL", "BLX":
		var t value
		ok := false
		if off, direct := in.Args[0].(armasm.PCRel); direct {
			t, ok = value{uint64(uint32(pc + 8 + uint64(int64(off)))), konst}, true
		} else if r, isReg := armReg(in.Args[0]); isReg {
			t, ok = st.get(r)
		}
		st.call(pc, 4, t, ok)
		return 4
	case "BX", "B":
		if always {
			st.endsStub = mn == "BX" && in.Args[0] != armasm.LR
			st.reset()
		}
		return 4
	case "CMP", "CMN", "TST", "TEQ", "PLD", "PLI", "MSR", "NOP", "SVC", "BKPT", "DMB", "DSB", "ISB",
		"SEV", "WFE", "WFI", "YIELD", "SETEND", "CLREX", "DBG", "UNDEF", "STREX", "STREXB", "STREXH", "STREXD":
		if strings.HasPrefix(mn, "STREX") && hasDst {
			write(dst, value{}, false)
		}
		return 4
	}
	if hasDst {
		write(dst, value{}, false)
	}
	if r, ok := armReg(in.Args[1]); ok && twoDests[mn] {
		write(r, value{}, false)
	}
	return 4
}

// twoDests are the instructions writing their second register operand too.
var twoDests = map[string]bool{"UMULL": true, "SMULL": true, "UMLAL": true, "SMLAL": true, "UMAAL": true, "LDREXD": true}

// loadStore models ldr/str and their byte, halfword and doubleword forms:
// PC-relative accesses, literal-pool words (their value where no
// relocation fills them, else the slot), stack words, write-back.
func (m *arm) loadStore(in armasm.Inst, mn string, always bool, pc uint64, st *state, text func() string, write func(int, value, bool)) {
	rt, _ := armReg(in.Args[0])
	rt2, memArg := -1, 1
	if strings.HasSuffix(mn, "D") {
		rt2, _ = armReg(in.Args[1])
		memArg = 2
	}
	mem, _ := in.Args[memArg].(armasm.Mem)
	store := strings.HasPrefix(mn, "STR")
	size := map[byte]uint64{'R': 4, 'B': 1, 'H': 2, 'D': 4}[mn[len(mn)-1]]
	addr, wb, ok := m.memAddr(st, mem, pc)
	if ok && addr.k == pcrel {
		st.access(pc, text(), map[bool]string{true: "store", false: "load"}[store], addr.v)
	}
	regs := []int{rt}
	if rt2 >= 0 {
		regs = append(regs, rt2)
	}
	for i, r := range regs {
		a := value{addr.v + 4*uint64(i), addr.k}
		switch {
		case store && ok && addr.k == frame:
			v, known := st.get(r)
			st.store(a.v, size, v, known && always)
		case store:
		case !ok || size != 4 || rt2 >= 0:
			write(r, value{}, false)
		case addr.k == frame:
			v, known := st.load(a.v, 4)
			write(r, v, known)
		case addr.k == pcrel:
			write(r, m.slot(a.v), true)
		default:
			write(r, value{}, false)
		}
	}
	if mem.Mode == armasm.AddrPreIndex || mem.Mode == armasm.AddrPostIndex {
		b, _ := armReg(mem.Base)
		write(b, wb, ok)
	}
}

// slot is what ldr reads from a PC-relative address: a literal-pool word
// (a constant, e.g. the PC-relative offset of -fPIC code) where it lies in
// read-only memory and no relocation fills it, else the slot itself.
func (m *arm) slot(a uint64) value {
	if _, _, reloc := m.f.RelocAt(a); !reloc {
		for _, s := range m.f.Sections {
			if s.Alloc() && s.Contains(a) && s.Flags&elf.SHF_WRITE == 0 {
				if w, err := m.f.ReadUint(a, 4); err == nil {
					return value{w, konst}
				}
			}
		}
	}
	return value{a, loaded}
}

// multiple models push, pop, stm and ldm: registers stored to, or loaded
// from, consecutive words (the lowest register at the lowest address).
func (m *arm) multiple(in armasm.Inst, mn string, always bool, pc uint64, st *state, write func(int, value, bool)) {
	var list armasm.RegList
	var base armasm.Reg
	wback := true
	switch mn {
	case "PUSH", "POP":
		list, _ = in.Args[0].(armasm.RegList)
		base = armasm.SP
		mn = map[string]string{"PUSH": "STMDB", "POP": "LDM"}[mn]
	default:
		mem, _ := in.Args[0].(armasm.Mem)
		list, _ = in.Args[1].(armasm.RegList)
		base, wback = mem.Base, mem.Mode == armasm.AddrLDM_WB
	}
	n := uint64(bits.OnesCount16(uint16(list)))
	b, ok := m.operand(st, base, pc)
	ok = ok && b.k == frame && always
	if !ok && base == armasm.SP {
		b, ok = st.stackPointer(), always
	}
	lo, after := b.v, b.v+4*n // STM, LDM: increment after
	switch mn[len(mn)-2:] {
	case "DB":
		lo, after = b.v-4*n, b.v-4*n
	case "IB":
		lo, after = b.v+4, b.v+4*n
	case "DA":
		lo, after = b.v-4*n+4, b.v-4*n
	}
	load := strings.HasPrefix(mn, "LDM")
	i := uint64(0)
	for r := 0; r < 15; r++ {
		if list&(1<<r) == 0 {
			continue
		}
		a := lo + 4*i
		i++
		if load {
			v, known := st.load(a, 4)
			write(r, v, ok && known)
		} else if ok {
			v, known := st.get(r)
			st.store(a, 4, v, known)
		}
	}
	if wback {
		r, _ := armReg(base)
		write(r, value{after, frame}, ok)
	}
	if load && list&(1<<15) != 0 {
		write(15, value{}, false) // pop {..., pc}: a return
	}
}
