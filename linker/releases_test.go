package linker_test

import (
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/rules"
)

// failedWith reports whether the load of base failed, and by which rule.
func failedWith(t *testing.T, config, prof, base string) (string, bool) {
	t.Helper()
	l := simulate(t, config, prof, base)
	for _, e := range l.Failed {
		if strings.HasSuffix(e.File, "/"+base) {
			return e.Rule, true
		}
	}
	return "", false
}

// weak.ko references optional_hook (defined nowhere) and curvnet_get (the
// kernel's), both weak. FreeBSD 9.3's link_elf_obj.c elf_obj_lookup refuses
// every undefined weak symbol ("Weak symbols not supported"), even the
// kernel's; its link_elf.c fails the unresolved one (0 fails the MD code).
// 10.4 and later give the unresolved one 0 (weak_undefined_zero).
func TestWeakUndefinedPerRelease(t *testing.T) {
	for _, c := range []struct {
		config, profile string
		symbol, says    string // "": the load succeeds
	}{
		{"amd64", "freebsd-9.0", "curvnet_get", "Weak symbols not supported"},
		{"i386", "freebsd-9.0", "optional_hook", "an undefined weak symbol"},
		{"powerpc64", "freebsd-9.0", "optional_hook", "an undefined weak symbol"},
		// The calls need PLT32 (amd64, 12.0 on) and JMP_SLOT (i386, 15).
		{"powerpc64", "freebsd-10", "", ""},
		{"amd64", "freebsd-12.0", "", ""},
		{"amd64", "freebsd-15", "", ""},
		{"i386", "freebsd-15", "", ""},
		{"arm64", "freebsd-15", "", ""},
	} {
		l := simulate(t, c.config, c.profile, "weak.ko")
		fs := byRule(l, rules.UndefinedSymbol)
		if c.symbol == "" {
			if len(l.Findings) != 0 || len(l.Failed) != 0 {
				t.Errorf("%s %s: %v", c.config, c.profile, l.Findings)
			}
			continue
		}
		if len(fs) != 1 || fs[0].Symbol != c.symbol || !strings.Contains(fs[0].Message, c.says) || len(l.Failed) != 1 {
			t.Errorf("%s %s: %v, want %s undefined (%q)", c.config, c.profile, l.Findings, c.symbol, c.says)
		}
	}
}

// reloc32.ko holds an R_X86_64_32 against a local symbol, which no amd64
// elf_machdep.c handles. link_elf_obj.c's local pass fails the load with
// ENOEXEC from 13.x (obj_local_reloc_fails), and prints nothing after the
// MD message; 12.x and before ignore the failure and load the module. The
// MD message ends with ", symbol index N" in 15-CURRENT
// (reloc_message_symbol_index).
func TestObjLocalRelocPerRelease(t *testing.T) {
	for _, c := range []struct {
		profile     string
		fails, indx bool
	}{
		{"freebsd-9.0", false, false},
		{"freebsd-12.1", false, false},
		{"freebsd-13", true, false},
		{"freebsd-15", true, true},
	} {
		l := simulate(t, "amd64", c.profile, "reloc32.ko")
		fs := byRule(l, rules.UnsupportedRelocation)
		if len(fs) != 1 {
			t.Fatalf("%s: %v", c.profile, l.Findings)
		}
		msg := fs[0].Message
		if !strings.HasPrefix(msg, "kldload: unexpected relocation type 10 (R_X86_64_32)") ||
			strings.Contains(msg, ", symbol index ") != c.indx || strings.Contains(msg, "undefined") ||
			strings.Contains(msg, "ENOEXEC") != c.fails || strings.Contains(msg, "the load goes on") == c.fails {
			t.Errorf("%s: %s", c.profile, msg)
		}
		if (len(l.Failed) == 1) != c.fails {
			t.Errorf("%s: load failed %v, want %v", c.profile, l.Failed, c.fails)
		}
	}
	// A global symbol's rejected type is still followed by "symbol X
	// undefined" (relocate_file), with the index where the release prints it.
	for prof, want := range map[string]string{
		"freebsd-9.0": "kldload: unexpected relocation type 4 (R_X86_64_PLT32); link_elf_obj: symbol",
	} {
		l := simulate(t, "amd64", prof, "undef.ko")
		if fs := byRule(l, rules.UnsupportedRelocation); len(fs) == 0 || !strings.HasPrefix(fs[0].Message, want) {
			t.Errorf("%s undef.ko: %v", prof, l.Findings)
		}
	}
}

// A module linked with --hash-style=gnu has no DT_HASH: link_elf.c
// rejects every symbol index (nchains 0) in every release, finds no set
// and no metadata. kldcheck says why once, and the load fails at the first
// symbol-based relocation; a module depending on it fails in turn.
func TestMissingHashTable(t *testing.T) {
	for _, prof := range []string{"freebsd-12.1", "freebsd-15"} {
		l := simulate(t, "arm64-gnuhash", prof, "vnet_owner.ko")
		fs := byRule(l, rules.MissingHashTable)
		if len(fs) != 2 || !strings.Contains(fs[0].Message, "missing symbol hash table") ||
			!strings.Contains(fs[1].Message, "link_elf: symbol kern_curvnet undefined") {
			t.Errorf("%s: %v", prof, l.Findings)
		}
		if len(byRule(l, rules.SetBoundsMissing)) != 0 || len(l.Failed) != 1 || l.Failed[0].Rule != rules.MissingHashTable {
			t.Errorf("%s: %v / %v", prof, l.Findings, l.Failed)
		}
	}
	// The same module with DT_HASH loads.
	if rule, failed := failedWith(t, "arm64", "freebsd-15", "vnet_owner.ko"); failed {
		t.Errorf("arm64 vnet_owner.ko failed: %s", rule)
	}
}
