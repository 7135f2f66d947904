// Package testutil finds the fixture kernels and modules under testdata/ for
// tests, in the manner of cilium/ebpf's testutils.Files: one subtest a file, and
// a failure when a pattern matches nothing.
package testutil

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
)

// Root returns the repository root (the directory holding go.mod).
func Root(tb testing.TB) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("cannot locate testutil source")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Fixture is one built kernel or module under testdata/<Config>/.
type Fixture struct {
	Config string // e.g. amd64, arm64-lld14-relax
	Name   string // file name: kernel, vnet_owner.ko
	Path   string
}

// Capture returns the path of the llvm-readelf capture of the given kind
// (relocs, sections, symbols, dynamic, metadata, headers) made at build time.
func (f Fixture) Capture(kind string) string {
	return filepath.Join(filepath.Dir(f.Path), "readelf", f.Name+"."+kind+".txt")
}

// ReadCapture returns the text of the capture of the given kind, failing
// the test when it is missing.
func (f Fixture) ReadCapture(tb testing.TB, kind string) string {
	tb.Helper()
	b, err := os.ReadFile(f.Capture(kind))
	if err != nil {
		tb.Fatalf("capture missing (rebuild with testdata/build.sh): %v", err)
	}
	return string(b)
}

// Source returns the C source the fixture was built from (for a tree-*
// module, the source of its first object; see TreeSpec for the rest).
func (f Fixture) Source(tb testing.TB) string {
	base := f.Name
	if ext := filepath.Ext(base); ext == ".ko" {
		base = base[:len(base)-len(ext)]
	}
	if objs := TreeSpec(tb)[base]; f.IsTree() && len(objs) > 0 {
		return filepath.Join(Root(tb), "testdata", "src", objs[0].Source)
	}
	return filepath.Join(Root(tb), "testdata", "src", base+".c")
}

// Fixtures returns every fixture kernel and module; it fails the test when
// there are none.
func Fixtures(tb testing.TB) []Fixture {
	tb.Helper()
	root := filepath.Join(Root(tb), "testdata")
	var out []Fixture
	for _, pat := range []string{"*/kernel", "*/*.ko"} {
		matches, err := filepath.Glob(filepath.Join(root, pat))
		if err != nil {
			tb.Fatal(err)
		}
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
				out = append(out, Fixture{Config: filepath.Base(filepath.Dir(m)), Name: filepath.Base(m), Path: m})
			}
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no fixtures under %s: run testdata/build.sh", root)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Each runs fn as a subtest for every fixture.
func Each(t *testing.T, fn func(t *testing.T, fx Fixture)) {
	for _, fx := range Fixtures(t) {
		t.Run(fx.Config+"/"+fx.Name, func(t *testing.T) { fn(t, fx) })
	}
}

// AddSeeds adds the bytes of every fixture that keep accepts (all when keep
// is nil) to a fuzz target's seed corpus.
func AddSeeds(f *testing.F, keep func(Fixture) bool) {
	f.Helper()
	for _, fx := range Fixtures(f) {
		if keep != nil && !keep(fx) {
			continue
		}
		data, err := os.ReadFile(fx.Path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FixtureDirs returns the directories holding fixtures (testdata/<Config>),
// sorted.
func FixtureDirs(tb testing.TB) []string {
	tb.Helper()
	var out []string
	for _, fx := range Fixtures(tb) {
		if d := filepath.Dir(fx.Path); len(out) == 0 || out[len(out)-1] != d {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}
