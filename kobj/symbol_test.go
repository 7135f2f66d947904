package kobj_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// The symbol tables kobj decodes itself are those debug/elf reads, entry for
// entry, on every fixture and every file of the fuzz corpus that parses.
func TestSymbolsAsDebugELF(t *testing.T) {
	var paths []string
	for _, fx := range testutil.Fixtures(t) {
		paths = append(paths, fx.Path)
	}
	checked := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		compareSymbols(t, p, data)
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d fixtures compared", checked)
	}
}

// FuzzSymbols compares the two readers on hostile input.
func FuzzSymbols(f *testing.F) {
	testutil.AddSeeds(f, nil)
	f.Fuzz(func(t *testing.T, data []byte) { compareSymbols(t, "fuzz.ko", data) })
}

func compareSymbols(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := kobj.Parse(path, data)
	if err != nil {
		return // a file debug/elf's own reader would refuse is refused either way (FuzzParse)
	}
	syms, dyn, err := kobj.ViaDebugELF(f)
	if err != nil {
		t.Fatalf("%s: kobj read its symbols, debug/elf refuses them: %v", path, err)
	}
	if !reflect.DeepEqual(syms, f.Symbols) || !reflect.DeepEqual(dyn, f.DynSymbols) {
		t.Errorf("%s: symbol tables differ from debug/elf's (%d/%d .symtab, %d/%d .dynsym entries)",
			path, len(f.Symbols), len(syms), len(dyn), len(f.DynSymbols))
	}
}
