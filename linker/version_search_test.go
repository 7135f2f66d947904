package linker_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
)

// With version 1 of module ver loaded (ver_a.ko), a module needing version
// 2 still has the path searched (linker_load_module, kern_linker.c, 15):
// ver_b.ko provides it and loads beside ver_a.ko. Without ver_b.ko in the
// path, the dependency fails as a version mismatch naming what is loaded.
func TestOtherVersionLoadedStillSearches(t *testing.T) {
	src := dir(t, "tree-amd64")
	for _, withB := range []bool{true, false} {
		d := t.TempDir()
		files := []string{"kernel", "ver_a.ko", "ver_user.ko"}
		if withB {
			files = append(files, "ver_b.ko")
		}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(src, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		k, err := kobj.Open(filepath.Join(d, "kernel"))
		if err != nil {
			t.Fatal(err)
		}
		h := linker.Hints{}
		l, err := linker.New(linker.Options{Profile: profile.Newest(), Kernel: k, ModulePath: []string{d},
			Hints: h, IndexDir: linker.IndexDirWith(h, kobj.Open)})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.LoadAll([]string{filepath.Join(d, "ver_a.ko"), filepath.Join(d, "ver_user.ko")}); err != nil {
			t.Fatal(err)
		}
		var loaded []string
		for _, f := range l.Files {
			if f.Loaded {
				loaded = append(loaded, f.Name)
			}
		}
		got := strings.Join(loaded, " ")
		if withB {
			if len(l.Findings) != 0 || !strings.Contains(got, "ver_b.ko") || !strings.Contains(got, "ver_user.ko") {
				t.Errorf("with ver_b.ko: loaded %s, findings %v", got, l.Findings)
			}
			continue
		}
		fs := byRule(l, rules.VersionMismatch)
		if len(fs) != 1 || !strings.Contains(fs[0].Message, "ver_a.ko provides ver version 1; ver_user.ko needs 2..2") {
			t.Errorf("without ver_b.ko: %v", l.Findings)
		}
	}
}
