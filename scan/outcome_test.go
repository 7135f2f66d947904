package scan

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// Relocating each dependency once per scan (linker.Outcomes), and holding
// few parses at once (a file parsed again when needed), give every module
// the findings and module space it gets when each simulated kernel
// relocates its dependencies again from parses held all scan long: on every
// fixture directory (with and without their kernels) and on the benchmark
// trees when given.
func TestOutcomesChangeNothing(t *testing.T) {
	root := filepath.Join(testutil.Root(t), "testdata")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range ents {
		if e.IsDir() && e.Name() != "src" && e.Name() != "boot" {
			if kos, _ := filepath.Glob(filepath.Join(root, e.Name(), "*.ko")); len(kos) == 0 {
				continue // a kernel alone (powerpc64-elfv1)
			}
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	dirs = append(dirs, treeCopy(t, "amd64", false), treeCopy(t, "arm64", false))
	if env := os.Getenv(testutil.BenchTreeEnv); env != "" {
		dirs = append(dirs, strings.Split(env, ";")...)
	}
	defer func() { reuseOutcomes = true }()
	for _, dir := range dirs {
		reuseOutcomes = false
		want, err := Run(Options{Dirs: []string{dir}, CacheBytes: 1 << 40})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		reuseOutcomes = true
		got, err := Run(Options{Dirs: []string{dir}, CacheBytes: 1})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if len(got.Modules) != len(want.Modules) || len(got.Modules) == 0 {
			t.Fatalf("%s: %d modules, want %d (and some)", dir, len(got.Modules), len(want.Modules))
		}
		findings := 0
		for i, m := range got.Modules {
			w := want.Modules[i]
			findings += len(w.Findings)
			if !reflect.DeepEqual(m.Findings, w.Findings) {
				t.Errorf("%s: findings differ:\n got %+v\nwant %+v", m.Path, m.Findings, w.Findings)
			}
			if !reflect.DeepEqual(m.Spaces, w.Spaces) {
				t.Errorf("%s: module space differs", m.Path)
			}
		}
		if !reflect.DeepEqual(got.Findings, want.Findings) {
			t.Errorf("%s: tree findings differ:\n got %+v\nwant %+v", dir, got.Findings, want.Findings)
		}
		t.Logf("%s: %d modules, %d findings, the same", filepath.Base(dir), len(got.Modules), findings)
	}
}

// The cache holds parses within its budget, the most recently used kept,
// and parses a file again once evicted.
func TestCacheBudget(t *testing.T) {
	dir := filepath.Join(testutil.Root(t), "testdata", "amd64")
	a, b := filepath.Join(dir, "vnet_owner.ko"), filepath.Join(dir, "vnet_user.ko")
	st, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	c := newCache(st.Size()) // room for vnet_owner.ko alone
	fa, err := c.open(a)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.open(a); again != fa {
		t.Error("a file within the budget was parsed again")
	}
	if _, err := c.open(b); err != nil {
		t.Fatal(err)
	}
	if c.used > c.budget && c.recent.Len() > 1 || c.recent.Len() != 1 {
		t.Errorf("%d bytes held in %d parses, budget %d", c.used, c.recent.Len(), c.budget)
	}
	if again, _ := c.open(a); again == fa {
		t.Error("an evicted file was not parsed again")
	}
	if _, err := c.open(filepath.Join(dir, "no-such.ko")); err == nil {
		t.Error("a missing file opened")
	}
}
