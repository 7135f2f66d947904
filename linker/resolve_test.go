package linker_test

import (
	"path/filepath"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
)

// Names resolve as kern_kldload resolves them; in a directory without
// linker.hints, a module whose file has another name (ether, in
// builtin_copy.ko) is found only once the directory is indexed as kldxref
// would index it.
func TestFindNames(t *testing.T) {
	dir := filepath.Join(testutil.Root(t), "testdata", "tree-arm64")
	plain := linker.Options{ModulePath: []string{dir}}
	for arg, want := range map[string]string{
		"boot_u":                         filepath.Join(dir, "boot_u.ko"), // module name, NAME.ko fallback
		"boot_u.ko":                      filepath.Join(dir, "boot_u.ko"), // file name
		filepath.Join(dir, "kerndep.ko"): filepath.Join(dir, "kerndep.ko"),
	} {
		if got, ok := plain.Find(arg); !ok || got != want {
			t.Errorf("%s: %q %v, want %q", arg, got, ok, want)
		}
	}
	if p, ok := plain.Find("ether"); ok {
		t.Errorf("ether found without an index: %s", p)
	}
	h := linker.Hints{}
	indexed := linker.Options{ModulePath: []string{dir}, Hints: h, IndexDir: linker.IndexDirWith(h, kobj.Open)}
	if p, ok := indexed.Find("ether"); !ok || p != filepath.Join(dir, "builtin_copy.ko") {
		t.Errorf("ether: %q %v, want builtin_copy.ko", p, ok)
	}
	if p, ok := indexed.Find("no_such_module"); ok {
		t.Errorf("no_such_module found: %s", p)
	}
}
