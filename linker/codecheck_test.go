package linker_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
)

// arches is every architecture with fixtures.
var arches = []string{"amd64", "i386", "arm64", "armv7", "riscv64", "powerpc", "powerpc64", "powerpc64le"}

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
// that backs the mapping with a VM object is clean. On every architecture:
// i386 passes the arguments on the stack and calls through the PLT with
// ebx, armv7 through its PLT stubs, powerpc's -mlongcall code through the
// GOT or TOC slot it loads into ctr.
func TestUserMapPmapEnter(t *testing.T) {
	for _, config := range arches {
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
// through relocations in amd64's relocatable modules, armv7's literal
// pools and 32-bit powerpc's .got2 (R_*_RELATIVE, reached from the GOT
// pointer). No other sample module has a PC-relative set reference.
func TestStaticSetVariables(t *testing.T) {
	flagged := map[string]bool{"arm64": true, "riscv64": true, "i386": true, "powerpc64": true, "powerpc64le": true,
		"amd64": false, "armv7": false, "powerpc": false}
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

// thumbCopy writes a copy of an armv7 fixture module with function fn's
// symbol marked Thumb (bit 0 of st_value, "ELF for the Arm Architecture"
// 5.5.3), code golang.org/x/arch/arm/armasm cannot decode, and returns its
// directory.
func thumbCopy(t *testing.T, module, fn string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir(t, "armv7"), module))
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := ef.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	tab := ef.Section(".symtab")
	found := false
	for i, s := range syms {
		if s.Name == fn && elf.ST_TYPE(s.Info) == elf.STT_FUNC {
			off := tab.Offset + uint64(i+1)*16 + 4 // Elf32_Sym.st_value; entry 0 is not in syms
			binary.LittleEndian.PutUint32(data[off:], uint32(s.Value)|1)
			found = true
		}
	}
	if !found {
		t.Fatalf("%s: no function %s", module, fn)
	}
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, module), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// loadFrom loads module from directory d on the armv7 kernel.
func loadFrom(t *testing.T, d, module string) *linker.Linker {
	t.Helper()
	k, err := kobj.Open(filepath.Join(dir(t, "armv7"), "kernel"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := profile.ByName("freebsd-14")
	l, err := linker.New(linker.Options{Profile: p, Kernel: k, ModulePath: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.LoadAll([]string{filepath.Join(d, module)}); err != nil {
		t.Fatal(err)
	}
	return l
}

// A check that cannot read a module's code says so instead of passing it:
// Thumb functions, which armasm does not decode, get a check-not-run note
// naming the check, the architecture and the function, for each check that
// had something to look for (vmmap_bad calls vm_map_find and pmap_enter
// and has no set; vnet_static has sets and calls neither); the seed 002
// finding is then not made. No fixture module gets the note.
func TestCheckNotRun(t *testing.T) {
	for _, tc := range []struct{ module, fn, check string }{
		{"vmmap_bad.ko", "vmmap_bad_map", rules.UserMapPmapEnter},
		{"vnet_static.ko", "vnet_static_bump", rules.SetRefPCRel},
	} {
		l := loadFrom(t, thumbCopy(t, tc.module, tc.fn), tc.module)
		fs := byRule(l, rules.CheckNotRun)
		if len(fs) != 1 || fs[0].Severity != rules.Note {
			t.Fatalf("%s: check-not-run %v", tc.module, l.Findings)
		}
		for _, want := range []string{tc.check + " cannot run on armv7: ", "Thumb", tc.fn, "no result is not a clean result"} {
			if !strings.Contains(fs[0].Message, want) {
				t.Errorf("%s: %q lacks %q", tc.module, fs[0].Message, want)
			}
		}
		if n := len(byRule(l, tc.check)); n != 0 {
			t.Errorf("%s: %d %s findings from code not read", tc.module, n, tc.check)
		}
	}
	for _, config := range arches {
		l := simulate(t, config, "freebsd-14", "vnet_owner.ko", "vnet_user.ko", "vnet_local.ko", "vnet_static.ko",
			"vmmap_bad.ko", "vmmap_good.ko")
		if fs := byRule(l, rules.CheckNotRun); len(fs) != 0 {
			t.Errorf("%s: %v", config, fs)
		}
	}
}
