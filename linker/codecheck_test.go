package linker_test

import (
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/rules"
)

// Seed 004 (EN-23:08): lld 14 without --no-relax turns vnet_local's GOT loads
// into adr, which reach the module's own set_vnet; with --no-relax the same
// objects are clean.
func TestRelaxedSetReference(t *testing.T) {
	l := simulate(t, "arm64-lld14-relax", "freebsd-14", "vnet_local.ko")
	fs := byRule(l, rules.SetRefPCRel)
	funcs := map[string]bool{}
	for _, f := range fs {
		funcs[f.Func] = true
		if f.Symbol != "vnet_entry_x" || !f.HasAddrs || f.Expected == f.Actual || !strings.Contains(f.Message, "adr ") {
			t.Errorf("%+v", f)
		}
		sp := l.Spaces[vnet]
		if f.Expected < sp.ModStart || f.Expected >= sp.ModStart+sp.ModSize {
			t.Errorf("expected %#x is not in VNET module space", f.Expected)
		}
	}
	if len(fs) != 2 || !funcs["vnet_local_x_offset"] || !funcs["vnet_local_xp"] {
		t.Errorf("set-ref-pcrel findings %v, want one in each of vnet_local_x_offset and vnet_local_xp", fs)
	}
	for _, config := range []string{"arm64-lld14-norelax", "arm64"} {
		if l := simulate(t, config, "freebsd-14", "vnet_local.ko", "vnet_user.ko"); len(l.Findings) != 0 {
			t.Errorf("%s: %v", config, l.Findings)
		}
	}
}

// Seed 002: vm_map_find with no object then pmap_enter is flagged; the twin
// that backs the mapping with a VM object is clean.
func TestUserMapPmapEnter(t *testing.T) {
	for _, config := range []string{"amd64", "arm64"} {
		l := simulate(t, config, "freebsd-14", "vmmap_bad.ko", "vmmap_good.ko")
		fs := byRule(l, rules.UserMapPmapEnter)
		if len(fs) != 1 || !strings.HasSuffix(fs[0].File, "vmmap_bad.ko") || fs[0].Func != "vmmap_bad_map" {
			t.Errorf("%s: %v", config, l.Findings)
		}
		if len(l.Findings) != 1 {
			t.Errorf("%s: other findings %v", config, l.Findings)
		}
	}
}

// A truly static VNET_DEFINE/DPCPU_DEFINE is reached PC-relatively in every
// -fPIC shared object (adrp+add, auipc+addi, @GOTOFF, TOC-relative addi), and
// through relocations in amd64's relocatable modules and armv7's literal
// pools. No other sample module has a PC-relative set reference.
func TestStaticSetVariables(t *testing.T) {
	flagged := map[string]bool{"arm64": true, "riscv64": true, "i386": true, "powerpc64": true, "powerpc64le": true,
		"amd64": false, "armv7": false}
	for config, want := range flagged {
		l := simulate(t, config, "freebsd-14", "vnet_static.ko")
		syms := map[string]bool{}
		for _, f := range byRule(l, rules.SetRefPCRel) {
			syms[f.Symbol] = true
		}
		got := syms["vnet_entry_static_count"] && syms["pcpu_entry_static_hits"]
		if got != want || (!want && len(syms) > 0) {
			t.Errorf("%s: set-ref-pcrel on %v, want both variables flagged: %v", config, syms, want)
		}
	}
	for _, fx := range []string{"amd64", "i386", "arm64", "armv7", "riscv64", "powerpc", "powerpc64", "powerpc64le"} {
		l := simulate(t, fx, "freebsd-14", "vnet_owner.ko", "vnet_user.ko", "vnet_local.ko", "vmmap_good.ko")
		if fs := byRule(l, rules.SetRefPCRel); len(fs) != 0 {
			t.Errorf("%s: false set-ref-pcrel %v", fx, fs)
		}
	}
}
