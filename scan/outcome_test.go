package scan

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// Relocating each dependency once per scan (linker.Outcomes) gives every
// module the findings and module space it gets when each simulated kernel
// relocates its dependencies again: on every fixture directory (with and
// without their kernels) and on the benchmark trees when given.
func TestOutcomesChangeNothing(t *testing.T) {
	root := filepath.Join(testutil.Root(t), "testdata")
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range ents {
		if e.IsDir() && e.Name() != "src" && e.Name() != "boot" {
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
		want, err := Run(Options{Dirs: []string{dir}})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		reuseOutcomes = true
		got, err := Run(Options{Dirs: []string{dir}})
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
