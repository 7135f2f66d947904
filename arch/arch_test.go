package arch

import (
	"debug/elf"
	"testing"
)

func TestRegistry(t *testing.T) {
	names := map[string]bool{}
	for _, a := range All() {
		if names[a.Name] {
			t.Errorf("%s registered twice", a.Name)
		}
		names[a.Name] = true
		if got, ok := Find(a.Class, a.Data, a.Machine); !ok || got != a {
			t.Errorf("%s: Find(%v, %v, %v) = %v", a.Name, a.Class, a.Data, a.Machine, got)
		}
		if got, ok := ByName(a.Name); !ok || got != a {
			t.Errorf("ByName(%s) = %v", a.Name, got)
		}
		for _, r := range a.Relocs {
			if n := a.RelocName(r.Type); len(n) < 3 || n[:2] != "R_" {
				t.Errorf("%s: relocation %d named %q", a.Name, r.Type, n)
			}
			if r.Formula == Unknown {
				t.Errorf("%s: %s has no formula", a.Name, a.RelocName(r.Type))
			}
		}
		if (a.Name == "amd64") != (a.ModuleType == elf.ET_REL) {
			t.Errorf("%s: module type %v", a.Name, a.ModuleType)
		}
	}
	if len(names) != 8 {
		t.Errorf("%d architectures, want 8: %v", len(names), names)
	}
}

func TestRelocNames(t *testing.T) {
	for _, c := range []struct {
		a    *Arch
		t    uint32
		want string
	}{
		{AMD64, uint32(elf.R_X86_64_32S), "R_X86_64_32S"},
		{ARM64, uint32(elf.R_AARCH64_GLOB_DAT), "R_AARCH64_GLOB_DAT"},
		{POWERPC, 248, "R_PPC_IRELATIVE"},
		{RISCV64, 58, "R_RISCV_IRELATIVE"},
		{ARM64, 4242, "R_AARCH64_4242"},
	} {
		if got := c.a.RelocName(c.t); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.a.Name, c.t, got, c.want)
		}
	}
}

// The branch checks at their edges, as the kernel's C computes them: arm64's
// reloc_instr_imm on the signed offset, riscv64's unsigned comparison that
// no offset passes.
func TestBranchChecks(t *testing.T) {
	// The linker applies a check only to records that patch an instruction.
	for _, a := range All() {
		for typ := range a.Branches {
			if r, ok := a.Lookup(typ); !ok || r.Formula != Insn {
				t.Errorf("%s %s: range-checked, but formula %v", a.Name, a.RelocName(typ), r.Formula)
			}
		}
	}
	neg := func(v int64) uint64 { return uint64(v) }
	for _, c := range []struct {
		a    *Arch
		typ  elf.R_AARCH64
		off  uint64
		fits bool
	}{
		{ARM64, elf.R_AARCH64_TSTBR14, 0x7ffc, true},
		{ARM64, elf.R_AARCH64_TSTBR14, 0x8000, false},
		{ARM64, elf.R_AARCH64_TSTBR14, neg(-0x8000), true},
		{ARM64, elf.R_AARCH64_TSTBR14, neg(-0x8004), false},
		{ARM64, elf.R_AARCH64_CONDBR19, 0xffffc, true},
		{ARM64, elf.R_AARCH64_CONDBR19, 0x100000, false},
		{ARM64, elf.R_AARCH64_CALL26, 0x7fffffc, true},
		{ARM64, elf.R_AARCH64_CALL26, 0x8000000, false},
		{ARM64, elf.R_AARCH64_JUMP26, neg(-0x8000000), true},
		{ARM64, elf.R_AARCH64_JUMP26, neg(-0x8000004), false},
	} {
		if got := c.a.Branches[uint32(c.typ)].Fits(c.off); got != c.fits {
			t.Errorf("%v %#x: fits %v, want %v", c.typ, c.off, got, c.fits)
		}
	}
	for _, typ := range []elf.R_RISCV{elf.R_RISCV_JAL, elf.R_RISCV_CALL} {
		c := RISCV64.Branches[uint32(typ)]
		for _, off := range []uint64{0, 4, neg(-4), 1 << 19, neg(-1 << 19)} {
			if c.Fits(off) {
				t.Errorf("%v %#x: fits, want every offset refused", typ, off)
			}
		}
		if c.WithAddend || c.Message != "kldload: huge offset against "+typ.String() {
			t.Errorf("%v: %+v", typ, c)
		}
	}
}
