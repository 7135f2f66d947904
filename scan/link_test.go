//go:build unix

package scan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/rules"
)

// A module reached through a symbolic link is checked, as a package manager
// may install one: a link into another directory under the link's name, a
// second name of a file already in the tree once, under the file's own
// name. Without the second rule alias.ko and vnet_owner.ko would declare
// the same module twice (a false duplicate-module error).
func TestScanFollowsLinks(t *testing.T) {
	src := filepath.Join(testutil.Root(t), "testdata", "arm64")
	dir, other := t.TempDir(), t.TempDir()
	copyFile(t, filepath.Join(src, "vnet_owner.ko"), filepath.Join(dir, "vnet_owner.ko"))
	copyFile(t, filepath.Join(src, "vnet_user.ko"), filepath.Join(other, "vnet_user.ko"))
	for link, target := range map[string]string{
		"alias.ko":     "vnet_owner.ko",
		"alias2.ko":    filepath.Join(dir, "vnet_owner.ko"),
		"vnet_user.ko": filepath.Join(other, "vnet_user.ko"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(Options{Dirs: []string{dir}, Kernel: filepath.Join(src, "kernel")})
	if err != nil {
		t.Fatal(err)
	}
	var checked []string
	for _, m := range res.Modules {
		checked = append(checked, filepath.Base(m.Path))
		for _, fd := range m.Findings {
			t.Errorf("%s: %s", m.Path, fd.Message)
		}
	}
	if len(checked) != 2 || checked[0] != "vnet_owner.ko" || checked[1] != "vnet_user.ko" {
		t.Errorf("checked %v, want vnet_owner.ko and the linked vnet_user.ko", checked)
	}
	owner := filepath.Join(dir, "vnet_owner.ko")
	for _, l := range []string{"alias.ko", "alias2.ko"} {
		if got := res.SameAs[filepath.Join(dir, l)]; got != owner {
			t.Errorf("%s checked as %q, want %s", l, got, owner)
		}
	}
	if len(byRuleIn(res, rules.DuplicateModule)) != 0 {
		t.Error("a link counted as a second copy of its module")
	}
}
