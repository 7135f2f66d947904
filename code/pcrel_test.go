package code

import (
	"encoding/binary"
	"testing"
)

// run steps machine m through the instruction words at pc, in order (byte
// order bo), and returns the accesses found. The words were assembled with
// llvm-mc (-show-encoding); the targets expected follow the architecture
// manuals: the ARM pc reads as the instruction's address + 8 (ARM ARM
// A2.3), a powerpc bcl/bl sets lr to its address + 4.
func run(t *testing.T, m machine, a *abi, bo binary.ByteOrder, pc uint64, words ...uint32) map[uint64]Access {
	t.Helper()
	code := make([]byte, 4*len(words))
	for i, w := range words {
		bo.PutUint32(code[4*i:], w)
	}
	st := newState(a, "test", pc)
	for off := 0; off < len(code); off += 4 {
		if n := m.step(code[off:], pc+uint64(off), st); n != 4 {
			t.Fatalf("word %#x at %#x: length %d", words[off/4], pc+uint64(off), n)
		}
	}
	out := map[uint64]Access{}
	for _, ac := range st.accesses {
		out[ac.Addr] = ac
	}
	return out
}

// ARM's PC-relative forms of -fPIC code: a movw/movt offset added to pc,
// adr (sub rX, pc, #imm), a load from [pc, rX], and a load through the
// address formed.
func TestARMPCRelative(t *testing.T) {
	f, _ := open(t, "armv7", "vmmap_bad.ko")
	const pc = 0x7000_0000 // outside the file: no mapping symbol applies
	got := run(t, newARM(f), armABI, binary.LittleEndian, pc,
		0xe3010234, // movw r0, #0x1234
		0xe3400001, // movt r0, #0x1
		0xe08f0000, // add r0, pc, r0
		0xe5901000, // ldr r1, [r0]
		0xe24f5010, // sub r5, pc, #16
		0xe3a03040, // mov r3, #0x40
		0xe79f3003, // ldr r3, [pc, r3]
	)
	want := map[uint64]struct {
		kind   string
		target uint64
	}{
		pc + 8:  {"address", pc + 8 + 8 + 0x11234},
		pc + 12: {"load", pc + 8 + 8 + 0x11234},
		pc + 16: {"address", pc + 16 + 8 - 16},
		pc + 24: {"load", pc + 24 + 8 + 0x40},
	}
	for a, w := range want {
		if g, ok := got[a]; !ok || g.Kind != w.kind || g.Target != w.target {
			t.Errorf("at %#x: %+v, want %s of %#x", a, g, w.kind, w.target)
		}
	}
	if len(got) != len(want) {
		t.Errorf("accesses %v, want %v", got, want)
	}
}

// 32-bit powerpc PIC's GOT pointer from bcl 20,31,$+4 and mflr, as GCC
// emits it (clang: bl $+4), and a load and an address relative to it.
func TestPowerPCGOTPointer(t *testing.T) {
	f, _ := open(t, "powerpc", "vmmap_bad.ko")
	const pc = 0x7000_0000
	got := run(t, ppc{f: f, order: binary.BigEndian, bits: 32}, ppcABI, binary.BigEndian, pc,
		0x429f0005, // bcl 20, 31, .+4
		0x7fc802a6, // mflr 30
		0x3fde0001, // addis 30, 30, 1
		0x807e0010, // lwz 3, 16(30)
		0x389e0020, // addi 4, 30, 32
	)
	base := uint64(pc + 4 + 0x10000)
	if g := got[pc+12]; g.Kind != "load" || g.Target != base+16 {
		t.Errorf("lwz: %+v, want a load of %#x", g, base+16)
	}
	if g := got[pc+16]; g.Kind != "address" || g.Target != base+32 {
		t.Errorf("addi: %+v, want the address %#x", g, base+32)
	}
}
