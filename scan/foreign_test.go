package scan

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/rules"
)

// A powerpc file declaring the module an arm64 module needs is not its
// provider: kldxref leaves it out of linker.hints, so the kernel does not
// find the module (or, named NAME.ko, finds the file and refuses it). The
// foreign file gets a warning naming it; no dependent is blamed on a
// bad-file it did not cause, and no symbol is said to be defined by it.
func TestScanForeignArchitecture(t *testing.T) {
	root := testutil.Root(t)
	arm, ppc := filepath.Join(root, "testdata", "arm64"), filepath.Join(root, "testdata", "powerpc")
	for _, c := range []struct {
		name, foreign, userWants string
	}{
		{"other name", "ppc_owner.ko", "no vnet_owner.ko in "},
		{"module's name", "vnet_owner.ko", "loading vnet_owner.ko failed: powerpc module, but the kernel is arm64"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, filepath.Join(arm, "vnet_user.ko"), filepath.Join(dir, "vnet_user.ko"))
			copyFile(t, filepath.Join(arm, "nodep.ko"), filepath.Join(dir, "nodep.ko"))
			copyFile(t, filepath.Join(ppc, "vnet_owner.ko"), filepath.Join(dir, c.foreign))
			for _, kernel := range []string{filepath.Join(arm, "kernel"), ""} {
				res, err := Run(Options{Dirs: []string{dir}, Kernel: kernel})
				if err != nil {
					t.Fatal(err)
				}
				if w := byRuleIn(res, rules.ForeignArch); len(w) != 1 || w[0].File != filepath.Join(dir, c.foreign) ||
					!strings.Contains(w[0].Message, "powerpc module") || !strings.Contains(w[0].Message, "vnet_owner") {
					t.Errorf("kernel %q: foreign-arch findings %v", kernel, w)
				}
				if b := byRuleIn(res, rules.BadFile); len(b) != 0 {
					t.Errorf("kernel %q: bad-file findings %v", kernel, b)
				}
				for _, fd := range res.AllFindings() {
					if fd.Rule != rules.ForeignArch && strings.Contains(fd.Message, "defined in "+c.foreign) {
						t.Errorf("kernel %q: a symbol said to be defined by the foreign file: %s", kernel, fd.Message)
					}
				}
				miss := byRuleIn(res, rules.MissingDependency)
				if kernel == "" {
					if len(miss) != 0 {
						t.Errorf("without a kernel: %v", miss)
					}
					continue
				}
				if len(miss) != 1 || !strings.Contains(miss[0].Message, c.userWants) {
					t.Errorf("missing-dependency %v, want one saying %q", miss, c.userWants)
				}
				if c.foreign == "ppc_owner.ko" && !strings.Contains(miss[0].Message, "ppc_owner.ko (powerpc) declares vnet_owner") {
					t.Errorf("missing-dependency does not name the foreign file: %s", miss[0].Message)
				}
			}
		})
	}
}
