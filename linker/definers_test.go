package linker_test

import (
	"path/filepath"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
)

// Exports lists exactly the entries LookupSymbol finds by their own names,
// in table order (.dynsym, then .symtab), on every fixture and both
// lookup settings (leak_locals, and a full scan without DT_HASH).
func TestExportsAreWhatLookupFinds(t *testing.T) {
	checked := 0
	for _, fx := range testutil.Fixtures(t) {
		f, err := kobj.Open(fx.Path)
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []linker.Visibility{{}, {LeakLocals: true}, {LeakLocals: true, HashlessFullScan: true}} {
			var want []*kobj.Symbol
			for _, tab := range [][]kobj.Symbol{f.DynSymbols, f.Symbols} {
				for i := range tab {
					if s, ok := linker.LookupSymbol(f, tab[i].Name, leak); ok && tab[i].Name != "" && s == &tab[i] {
						want = append(want, s)
					}
				}
			}
			got := linker.Exports(f, leak)
			if len(got) != len(want) {
				t.Errorf("%s lookup %+v: %d exports, lookups find %d", fx.Path, leak, len(got), len(want))
				continue
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s lookup %+v: export %d is %s, lookups find %s", fx.Path, leak, i, got[i].Name, want[i].Name)
					break
				}
			}
			checked += len(got)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d exports compared", checked)
	}
}

// A shared object without DT_HASH (arm64-gnuhash, linked --hash-style=gnu)
// offers nothing to lookups by name up to 12.x; from 13.x, with
// leak_locals, its full symbol table is scanned all the same
// (link_elf_lookup_debug_symbol). The profile field decides.
func TestHashlessLookupPerRelease(t *testing.T) {
	f, err := kobj.Open(filepath.Join("..", "testdata", "arm64-gnuhash", "vnet_owner.ko"))
	if err != nil {
		t.Fatal(err)
	}
	if f.HasHash {
		t.Fatal("fixture has DT_HASH")
	}
	for name, found := range map[string]bool{"freebsd-12.1": false, "freebsd-13": true, "freebsd-15": true, "freebsd-10": false} {
		p, err := profile.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		s, ok := linker.LookupSymbol(f, "vnet_owner_add", linker.VisibilityOf(p))
		if ok != found || ok && s.Name != "vnet_owner_add" {
			t.Errorf("%s: lookup of vnet_owner_add found %v, want %v", name, ok, found)
		}
		if n := len(linker.Exports(f, linker.VisibilityOf(p))); (n > 0) != found {
			t.Errorf("%s: %d exports", name, n)
		}
	}
}
