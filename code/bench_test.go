package code

import (
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// BenchmarkScan reads all the machine code of every module of each
// benchmark tree (uncached), as `kldcheck calls` does.
func BenchmarkScan(b *testing.B) {
	testutil.EachTree(b, func(b *testing.B, t testutil.Tree) {
		var files []*kobj.File
		for _, p := range t.Modules {
			f, err := kobj.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			files = append(files, f)
		}
		for b.Loop() {
			for _, f := range files {
				if _, err := Scan(f); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
