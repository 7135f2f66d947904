package linker_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/rules"
)

// set_init.ko initialises a VNET variable with a string's address and a
// DPCPU variable with a function's. The kernel copies the sets out before
// it relocates (link_elf.c parse_vnet/parse_dpcpu; link_elf_obj.c
// dpcpu_copy, and vnet_data_copy until link_elf_propagate_vnets), so each
// relocation inside a set patches a copy nothing reads. Its twin
// set_init_ok.ko assigns the same values at run time and is clean.
func TestSetInitLost(t *testing.T) {
	for _, c := range []struct {
		config, profile string
		want            []string // variables flagged
		before          string   // what the instances hold, in every finding
	}{
		{"arm64", "freebsd-14", []string{"pcpu_entry_init_hook", "vnet_entry_init_name"}, "holds 0x0 instead"},
		{"riscv64", "freebsd-14", []string{"pcpu_entry_init_hook", "vnet_entry_init_name"}, "holds 0x0 instead"},
		// REL: the place holds the link-time address.
		{"i386", "freebsd-14", []string{"pcpu_entry_init_hook", "vnet_entry_init_name"}, "holds 0x"},
		{"armv7", "freebsd-14", []string{"pcpu_entry_init_hook", "vnet_entry_init_name"}, "holds 0x"},
		// amd64: set_vnet is propagated after the load in 15; set_pcpu not.
		{"amd64", "freebsd-14", []string{"pcpu_entry_init_hook"}, "every CPU holds 0x0 instead"},
		// 12.1's link_elf_obj.c copied set_vnet as it read it.
		{"amd64", "freebsd-12.1", []string{"pcpu_entry_init_hook", "vnet_entry_init_name"}, "holds 0x0 instead"},
	} {
		l := simulate(t, c.config, c.profile, "set_init.ko")
		var got []string
		for _, fd := range byRule(l, rules.SetInitLost) {
			got = append(got, fd.Symbol)
			if !strings.Contains(fd.Message, c.before) || fd.Func == "" {
				t.Errorf("%s %s: %s (at %q)", c.config, c.profile, fd.Message, fd.Func)
			}
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s %s: set-init-lost on %v, want %v", c.config, c.profile, got, c.want)
		}
		if ok := simulate(t, c.config, c.profile, "set_init_ok.ko"); len(ok.Findings) != 0 {
			t.Errorf("%s %s: set_init_ok.ko: %v", c.config, c.profile, ok.Findings)
		}
	}
	// The 12.1 finding on amd64 says which vnets keep the bytes.
	for _, fd := range byRule(simulate(t, "amd64", "freebsd-12.1", "set_init.ko"), rules.SetInitLost) {
		if fd.Symbol == "vnet_entry_init_name" && !strings.Contains(fd.Message, "vnet0 and every vnet that exists at load time") {
			t.Errorf("amd64 12.1: %s", fd.Message)
		}
	}
}

// set_init.ko's set_init_ring_end points one past init_ring, the last
// variable of set_vnet, where the set ends in the padding before the next
// section. link_elf.c's elf_relocaddr does not move that address; i386's
// r348808 pad word keeps it inside the set, and amd64's link_elf_obj.c binds
// everything to module space, so neither is flagged. set_init_ok.ko bounds
// its loop by the last element instead.
func TestSetRefPastEnd(t *testing.T) {
	for config, flagged := range map[string]bool{
		"arm64": true, "riscv64": true, "powerpc64": true, "powerpc64le": true,
		"i386": false, "amd64": false,
	} {
		l := simulate(t, config, "freebsd-14", "set_init.ko")
		fs := byRule(l, rules.SetRefPastEnd)
		if len(fs) != map[bool]int{true: 1, false: 0}[flagged] {
			t.Errorf("%s: set-ref-past-end findings %v, want flagged %v", config, fs, flagged)
			continue
		}
		if flagged {
			fd := fs[0]
			if fd.Func != "set_init_ring_end" || fd.Symbol != "__stop_set_vnet" || fd.Expected == fd.Actual ||
				!strings.Contains(fd.Message, "stores the end of set_vnet") {
				t.Errorf("%s: %+v", config, fd)
			}
		}
		if ok := simulate(t, config, "freebsd-14", "set_init_ok.ko"); len(byRule(ok, rules.SetRefPastEnd)) != 0 {
			t.Errorf("%s: set_init_ok.ko flagged", config)
		}
	}
}

// powerpc's elf_reloc passes S+A of ADDR32 and the like through
// elf_relocaddr (elf32_machdep.c), so a module's references to its own set
// variables are redirected even by a kernel without the 2011 cross-module
// fix: built with EXPORT_SYMS=YES (symbol-based relocations), vnet_owner.ko
// is clean under freebsd-8.2 and its references reach the master copies,
// while vnet_user.ko's references to vnet_owner's variables are not moved
// (the window is the user's own).
func TestPowerPCRelocaddrOnSymbols(t *testing.T) {
	l := simulate(t, "powerpc-exportsyms", "freebsd-8.2", "vnet_owner.ko")
	if fs := byRule(l, rules.SetRefUnrelocated); len(fs) != 0 {
		t.Errorf("vnet_owner.ko's own references flagged: %v", fs)
	}
	ok := 0
	for _, f := range l.Files {
		for _, r := range f.Refs {
			if !r.OK() {
				t.Errorf("reference %+v misses", r)
			}
			ok++
		}
	}
	if ok < 4 {
		t.Errorf("%d references to own set variables seen, want the 4 ADDR32 records", ok)
	}
	u := simulate(t, "powerpc-exportsyms", "freebsd-8.2", "vnet_owner.ko", "vnet_user.ko")
	if fs := byRule(u, rules.SetRefUnrelocated); len(fs) == 0 {
		t.Error("vnet_user.ko's cross-module references pass under freebsd-8.2")
	}
}

// powerpc64's elf_reloc ignores a failed R_PPC64_JMP_SLOT lookup: undef.ko
// built without -mlongcall (its call to no_such_kernel_function goes
// through the PLT) loads, with an unresolved-slot warning, where other
// architectures refuse it.
func TestPowerPC64UnresolvedSlot(t *testing.T) {
	l := simulate(t, "powerpc64-plt", "freebsd-14", "undef.ko")
	fs := byRule(l, rules.UnresolvedSlot)
	if len(fs) != 1 || fs[0].Symbol != "no_such_kernel_function" || fs[0].Severity != rules.Warning {
		t.Errorf("findings %v, want one unresolved-slot warning", l.Findings)
	}
	if len(byRule(l, rules.UndefinedSymbol)) != 0 || len(l.Failed) != 0 {
		t.Errorf("the load was refused: %v", l.Failed)
	}
	// With -mlongcall (powerpc64's kmod.mk flags) the call is an ADDR64
	// record, whose failed lookup does refuse the load.
	if len(byRule(simulate(t, "powerpc64", "freebsd-14", "undef.ko"), rules.UndefinedSymbol)) != 1 {
		t.Error("powerpc64 (-mlongcall) undef.ko: no undefined-symbol")
	}
}
