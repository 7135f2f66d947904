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
