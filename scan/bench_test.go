package scan

import (
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// BenchmarkScan is `kldcheck scan` of each benchmark tree without rendering:
// read every file, index the modules, load and check each one with its
// dependencies on all cores. Bytes are the tree's total size, so MB/s
// compares trees of different scale.
func BenchmarkScan(b *testing.B) {
	testutil.EachTree(b, func(b *testing.B, t testutil.Tree) {
		for b.Loop() {
			if _, err := Run(Options{Dirs: []string{t.Dir}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
