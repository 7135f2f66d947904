package kobj

import (
	"os"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// BenchmarkParse parses every file of each benchmark tree from memory: the
// ELF reader alone, without the file system. Set KLDCHECK_BENCH_TREE to run
// it on a generated corpus (bench/corpus).
func BenchmarkParse(b *testing.B) {
	testutil.EachTree(b, func(b *testing.B, t testutil.Tree) {
		paths := t.Modules
		if t.Kernel != "" {
			paths = append([]string{t.Kernel}, paths...)
		}
		data := make([][]byte, len(paths))
		for i, p := range paths {
			var err error
			if data[i], err = os.ReadFile(p); err != nil {
				b.Fatal(err)
			}
		}
		for b.Loop() {
			for i, p := range paths {
				if _, err := Parse(p, data[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
