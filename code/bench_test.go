package code

import (
	"path/filepath"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// BenchmarkScan reads the machine code of every module of each benchmark
// tree (uncached), as the set-ref-pcrel and user-map-pmap-enter checks do.
func BenchmarkScan(b *testing.B) {
	for _, dir := range testutil.BenchTrees(b) {
		_, mods, size := testutil.TreeFiles(b, dir)
		var files []*kobj.File
		for _, p := range mods {
			f, err := kobj.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			files = append(files, f)
		}
		b.Run(filepath.Base(dir), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range files {
					if _, err := Scan(f); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
