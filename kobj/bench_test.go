package kobj

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// BenchmarkParse parses every file of each benchmark tree from memory: the
// ELF reader alone, without the file system. Set KLDCHECK_BENCH_TREE to run
// it on a generated corpus (bench/corpus).
func BenchmarkParse(b *testing.B) {
	for _, dir := range testutil.BenchTrees(b) {
		kernel, mods, size := testutil.TreeFiles(b, dir)
		paths := mods
		if kernel != "" {
			paths = append([]string{kernel}, mods...)
		}
		data := make([][]byte, len(paths))
		for i, p := range paths {
			var err error
			if data[i], err = os.ReadFile(p); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(filepath.Base(dir), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for i, p := range paths {
					if _, err := Parse(p, data[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
