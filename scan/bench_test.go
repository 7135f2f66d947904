package scan

import (
	"path/filepath"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// BenchmarkScan is `kldcheck scan` of each benchmark tree without rendering:
// read every file, index the modules, load and check each one with its
// dependencies on all cores. Bytes are the tree's total size, so MB/s
// compares trees of different scale.
func BenchmarkScan(b *testing.B) {
	for _, dir := range testutil.BenchTrees(b) {
		_, _, size := testutil.TreeFiles(b, dir)
		b.Run(filepath.Base(dir), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(Options{Dirs: []string{dir}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
