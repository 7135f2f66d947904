package linker_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/readelf"
	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
)

func dir(t *testing.T, config string) string {
	return filepath.Join(testutil.Root(t), "testdata", config)
}

// capture is the llvm-readelf output of one kind (relocs, symbols,
// sections...) taken of file when config was built.
func capture(t *testing.T, config, file, kind string) string {
	t.Helper()
	text, err := readelf.ReadCapture(filepath.Join(dir(t, config), "readelf", file+"."+kind+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// simulate boots config's kernel under the named profile and loads modules
// (names in that directory), with the directory as module path.
func simulate(t *testing.T, config, prof string, modules ...string) *linker.Linker {
	t.Helper()
	d := dir(t, config)
	k, err := kobj.Open(filepath.Join(d, "kernel"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.ByName(prof)
	if err != nil {
		t.Fatal(err)
	}
	l, err := linker.New(linker.Options{Profile: p, Kernel: k, ModulePath: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range modules {
		paths = append(paths, filepath.Join(d, m))
	}
	if err := l.LoadAll(paths); err != nil {
		t.Fatal(err)
	}
	return l
}

func byRule(l *linker.Linker, rule string) []rules.Finding {
	var out []rules.Finding
	for _, f := range l.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// ownerVarRelocs counts, in llvm-readelf -r output of vnet_user.ko, the
// relocation records naming the owner's VNET and DPCPU variables: the
// references the kernel linker must redirect to module space.
func ownerVarRelocs(t *testing.T, config string) int {
	text := capture(t, config, "vnet_user.ko", "relocs")
	re := regexp.MustCompile(`\b(vnet_entry_(layer3_chain|owner_enable)|pcpu_entry_owner_pcpu_hits)\b`)
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if re.MatchString(line) {
			n++
		}
	}
	return n
}

// Seeds 000/001: a module's references to another module's VNET and DPCPU
// variables reach the owner's image copy on a link_elf.c without the 2011
// elf_set_find fix, and module space with it.
func TestCrossModuleReferences(t *testing.T) {
	for _, config := range []string{"i386", "arm64", "armv7", "riscv64", "powerpc", "powerpc64", "powerpc64le"} {
		t.Run(config, func(t *testing.T) {
			want := ownerVarRelocs(t, config)
			if want == 0 {
				t.Fatal("llvm-readelf shows no relocation against the owner's variables")
			}
			old := simulate(t, config, "freebsd-8.2", "vnet_user.ko")
			if len(old.Files) != 3 {
				t.Fatalf("freebsd-8.2: %d files loaded, want kernel, vnet_user, vnet_owner; findings %v", len(old.Files), old.Findings)
			}
			bad := byRule(old, rules.SetRefUnrelocated)
			if len(bad) != want {
				t.Errorf("freebsd-8.2: %d set-ref-unrelocated findings, llvm-readelf shows %d relocations against the owner's variables: %v", len(bad), want, bad)
			}
			owner := old.Files[2]
			for _, f := range bad {
				if f.File != filepath.Join(dir(t, config), "vnet_user.ko") || f.Owner != "vnet_owner.ko" {
					t.Errorf("finding in %s owned by %s", f.File, f.Owner)
				}
				// Before the fix the value is the owner's image address.
				if f.Actual < owner.Address || f.Actual >= owner.Address+owner.Size {
					t.Errorf("%s: actual %#x not in vnet_owner.ko's image [%#x, %#x)", f.Symbol, f.Actual, owner.Address, owner.Address+owner.Size)
				}
				if sp := old.Spaces[kindOf(f.Symbol)]; f.Expected < sp.ModStart || f.Expected >= sp.ModStart+sp.ModSize {
					t.Errorf("%s: expected %#x not in module space", f.Symbol, f.Expected)
				}
			}
			cur := simulate(t, config, "freebsd-14", "vnet_user.ko")
			if n := len(cur.Findings); n != 0 {
				t.Errorf("freebsd-14: %d findings, want none: %v", n, cur.Findings)
			}
			refs := 0
			for _, f := range cur.Files {
				if f.Name == "vnet_user.ko" {
					for _, r := range f.Refs {
						if r.Owner == "vnet_owner.ko" {
							refs++
						}
					}
				}
			}
			if refs != want {
				t.Errorf("freebsd-14: %d references to the owner's variables checked, llvm-readelf shows %d", refs, want)
			}
		})
	}
}

func kindOf(sym string) (k linkerKind) {
	if strings.HasPrefix(sym, "pcpu_entry_") {
		return dpcpu
	}
	return vnet
}

// link_elf_obj.c (amd64) rewrites every symbol of set_vnet and set_pcpu to its
// module-space address before relocating (sys/kern/link_elf_obj.c
// link_elf_load_file, in releng/8.3 and FreeBSD 14 alike), so cross-module
// references are right under every profile.
func TestAMD64CrossModuleReferencesAlwaysRight(t *testing.T) {
	want := ownerVarRelocs(t, "amd64")
	for _, prof := range []string{"freebsd-8.2", "freebsd-14"} {
		l := simulate(t, "amd64", prof, "vnet_user.ko")
		if len(l.Files) != 3 || len(l.Findings) != 0 {
			t.Errorf("%s: %d files, findings %v", prof, len(l.Files), l.Findings)
		}
		refs := 0
		for _, r := range l.Files[1].Refs {
			if r.Owner == "vnet_owner.ko" {
				refs++
				if !r.OK() {
					t.Errorf("%s: %+v", prof, r)
				}
			}
		}
		if refs != want {
			t.Errorf("%s: %d references checked, llvm-readelf shows %d", prof, refs, want)
		}
	}
}

// A module whose sets exceed module space fails as the kernel reports it.
func TestModuleSpaceExhausted(t *testing.T) {
	cases := []struct{ config, prof, msg, tail string }{
		{"arm64", "freebsd-14", "parse_dpcpu: pcpu module space is out of space; cannot allocate 3000 for ", "(2048 bytes of DPCPU module space free)"},
		{"i386", "freebsd-14", "parse_dpcpu: pcpu module space is out of space; cannot allocate 3004 for ", "(2048 bytes of DPCPU module space free)"},
		// link_elf_obj.c prints the size in hex: the free room follows suit.
		{"amd64", "freebsd-14", "link_elf_load_file: vnet module space is out of space; cannot allocate 0x9c40 for ", "(0x8000 bytes of VNET module space free)"},
		{"arm64", "freebsd-8.2", "kldload: bigvnet.ko: ENOSPC", "set_pcpu needs 3000 bytes of DPCPU module space, 2048 are free"},
	}
	for _, c := range cases {
		l := simulate(t, c.config, c.prof, "bigvnet.ko")
		fs := byRule(l, rules.ModspaceExhausted)
		if len(fs) != 1 || !strings.Contains(fs[0].Message, c.msg) || !strings.HasSuffix(fs[0].Message, c.tail) {
			t.Errorf("%s %s: %v, want one modspace-exhausted saying %q ... %q", c.config, c.prof, l.Findings, c.msg, c.tail)
		} else if set := fs[0].Set; fs[0].Symbol != "" || (set != "set_vnet" && set != "set_pcpu") {
			t.Errorf("%s %s: set %q, symbol %q: the set goes in Set, not Symbol", c.config, c.prof, set, fs[0].Symbol)
		}
		if len(l.Files) != 1 {
			t.Errorf("%s: bigvnet.ko stayed loaded", c.config)
		}
		for _, sp := range l.Spaces {
			if sp.FreeBytes() != sp.ModSize {
				t.Errorf("%s: module space not freed after the failed load", c.config)
			}
		}
	}
}

func TestUndefinedSymbol(t *testing.T) {
	for config, msg := range map[string]string{
		"amd64": "link_elf_obj: symbol no_such_kernel_function undefined",
		"arm64": "link_elf: symbol no_such_kernel_function undefined",
		"armv7": "link_elf: symbol no_such_kernel_function undefined",
	} {
		l := simulate(t, config, "freebsd-14", "undef.ko")
		fs := byRule(l, rules.UndefinedSymbol)
		if len(fs) != 1 || fs[0].Message != msg || fs[0].Symbol != "no_such_kernel_function" {
			t.Errorf("%s: %v", config, l.Findings)
		}
	}
}

func TestMissingDependency(t *testing.T) {
	d := dir(t, "arm64")
	k, _ := kobj.Open(filepath.Join(d, "kernel"))
	l, err := linker.New(linker.Options{Kernel: k, ModulePath: []string{t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.LoadAll([]string{filepath.Join(d, "vnet_user.ko")}); err != nil {
		t.Fatal(err)
	}
	fs := byRule(l, rules.MissingDependency)
	if len(fs) != 1 || !strings.HasPrefix(fs[0].Message, "KLD vnet_user.ko: depends on vnet_owner - not available or version mismatch") {
		t.Errorf("%v", l.Findings)
	}
}

// A module using another module's symbols without MODULE_DEPEND on it fails
// even when that module is loaded: the kernel searches declared dependencies
// only.
func TestUndeclaredDependency(t *testing.T) {
	for _, config := range []string{"amd64", "arm64"} {
		l := simulate(t, config, "freebsd-14", "vnet_owner.ko", "nodep.ko")
		fs := byRule(l, rules.UndeclaredDependency)
		if len(fs) != 1 || !strings.Contains(fs[0].Message, "symbol vnet_entry_owner_enable undefined (defined in vnet_owner.ko, which nodep.ko does not MODULE_DEPEND on)") {
			t.Errorf("%s: %v", config, l.Findings)
		}
		// Alone, it is a plain undefined symbol.
		l = simulate(t, config, "freebsd-14", "nodep.ko")
		if len(byRule(l, rules.UndefinedSymbol)) != 1 {
			t.Errorf("%s alone: %v", config, l.Findings)
		}
	}
}
