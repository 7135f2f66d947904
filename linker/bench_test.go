package linker_test

import (
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
)

// BenchmarkLoad loads each module of each benchmark tree, with its
// dependencies, into a fresh simulated kernel, from files parsed beforehand:
// the kernel linker's relocation and set handling and the checks, without
// reading. The machine-code scan is memoised per file (code.ScanCached), so
// after the first round this leaves disassembly out; BenchmarkScan in
// package code measures it.
func BenchmarkLoad(b *testing.B) {
	testutil.EachTree(b, func(b *testing.B, t testutil.Tree) {
		files := map[string]*kobj.File{}
		for _, p := range append([]string{t.Kernel}, t.Modules...) {
			if p == "" {
				continue
			}
			f, err := kobj.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			files[p] = f
		}
		open := func(p string) (*kobj.File, error) {
			if f, ok := files[p]; ok {
				return f, nil
			}
			return kobj.Open(p)
		}
		for b.Loop() {
			for _, m := range t.Modules {
				l, err := linker.New(linker.Options{Kernel: files[t.Kernel], ModulePath: []string{t.Dir}, Open: open})
				if err != nil {
					b.Fatal(err)
				}
				if err := l.LoadAll([]string{m}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
