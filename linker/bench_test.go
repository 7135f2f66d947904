package linker_test

import (
	"path/filepath"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
)

// BenchmarkLoad loads each module of each benchmark tree, with its
// dependencies, into a fresh simulated kernel, from files parsed beforehand:
// the kernel linker's relocation and set handling and the checks, without
// reading. The machine-code scan is cached per file (code.ScanCached), so
// after the first round this leaves disassembly out; BenchmarkScan in
// package code measures it.
func BenchmarkLoad(b *testing.B) {
	for _, dir := range testutil.BenchTrees(b) {
		kpath, mods, size := testutil.TreeFiles(b, dir)
		files := map[string]*kobj.File{}
		for _, p := range append([]string{kpath}, mods...) {
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
		b.Run(filepath.Base(dir), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for _, m := range mods {
					l, err := linker.New(linker.Options{Kernel: files[kpath], ModulePath: []string{dir}, Open: open})
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
}
