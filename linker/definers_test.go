package linker_test

import (
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
)

// Exports lists exactly the entries LookupSymbol finds by their own names,
// in table order (.dynsym, then .symtab), on every fixture and both
// leak_locals settings.
func TestExportsAreWhatLookupFinds(t *testing.T) {
	checked := 0
	for _, fx := range testutil.Fixtures(t) {
		f, err := kobj.Open(fx.Path)
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []bool{false, true} {
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
				t.Errorf("%s leak=%v: %d exports, lookups find %d", fx.Path, leak, len(got), len(want))
				continue
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s leak=%v: export %d is %s, lookups find %s", fx.Path, leak, i, got[i].Name, want[i].Name)
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
