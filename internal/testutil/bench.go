package testutil

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// BenchTreeEnv names the environment variable that points the benchmarks at
// module trees (';'-separated directories, each with a kernel and .ko files,
// as bench/corpus generates them). Unset, they run on the fixture trees
// testdata/amd64 and testdata/arm64.
const BenchTreeEnv = "KLDCHECK_BENCH_TREE"

// BenchTrees returns the directories the benchmarks scan.
func BenchTrees(tb testing.TB) []string {
	tb.Helper()
	if v := os.Getenv(BenchTreeEnv); v != "" {
		var out []string
		for _, d := range strings.Split(v, ";") {
			if d != "" {
				out = append(out, d)
			}
		}
		return out
	}
	root := filepath.Join(Root(tb), "testdata")
	return []string{filepath.Join(root, "amd64"), filepath.Join(root, "arm64")}
}

// TreeFiles returns a tree's kernel (empty when it has none) and its .ko
// files, sorted, and their total size in bytes.
func TreeFiles(tb testing.TB, dir string) (kernel string, modules []string, bytes int64) {
	tb.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		switch {
		case e.Name() == "kernel":
			kernel = p
		case strings.HasSuffix(e.Name(), ".ko"):
			modules = append(modules, p)
		default:
			continue
		}
		bytes += st.Size()
	}
	if len(modules) == 0 {
		tb.Fatalf("no .ko files in %s", dir)
	}
	sort.Strings(modules)
	return kernel, modules, bytes
}

// Tree is one benchmark tree: its kernel (empty when it has none), its .ko
// files, sorted, and their total size.
type Tree struct {
	Dir, Kernel string
	Modules     []string
	Bytes       int64
}

// EachTree runs fn as a sub-benchmark for each benchmark tree, reporting
// allocations and throughput against the tree's bytes. What fn does before
// its b.Loop is not timed.
func EachTree(b *testing.B, fn func(b *testing.B, t Tree)) {
	for _, dir := range BenchTrees(b) {
		kernel, mods, size := TreeFiles(b, dir)
		b.Run(filepath.Base(dir), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			fn(b, Tree{Dir: dir, Kernel: kernel, Modules: mods, Bytes: size})
		})
	}
}
