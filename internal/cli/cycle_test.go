package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// cycleTree writes n copies of tree-amd64/i915kms.ko whose module names are
// patched (same-length C strings) so that module k depends on module k+1
// and the last on the first: one MODULE_DEPEND cycle of n files.
func cycleTree(t *testing.T, n int) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.Root(t), "testdata", "tree-amd64", "i915kms.ko"))
	if err != nil {
		t.Fatal(err)
	}
	name := func(i int) string { return fmt.Sprintf("%c%03d", 'a'+i/1000, i%1000) }
	dir := t.TempDir()
	for i := range n {
		b := bytes.ReplaceAll(data, []byte("i915kms\x00"), []byte(name(i)+"\x00\x00\x00\x00"))
		b = bytes.ReplaceAll(b, []byte("drmn\x00"), []byte(name((i+1)%n)+"\x00"))
		if bytes.Equal(b, data) {
			t.Fatal("i915kms.ko no longer holds the strings to patch")
		}
		if err := os.WriteFile(filepath.Join(dir, name(i)+".ko"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A long dependency cycle is reported once, as the list of its members, and
// every other failure names it in constant size: output and time grow
// linearly with the cycle, not quadratically (a 2,000-module cycle took
// 246 MB of check output and 259 s of scan).
func TestLongCycleLinear(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	dir := cycleTree(t, n)
	kernel := filepath.Join(testutil.Root(t), "testdata", "tree-amd64", "kernel")
	for _, args := range [][]string{
		{"check", "--kernel", kernel, filepath.Join(dir, "a000.ko")},
		{"scan", "--kernel", kernel, dir},
	} {
		code, out, stderr := run(args...)
		if code != ExitFindings {
			t.Fatalf("%s: exit %d\n%s", args[0], code, stderr)
		}
		if len(out) > 800*n {
			t.Errorf("%s: %d bytes of output for a %d-module cycle: more than linear", args[0], len(out), n)
		}
		cyc := strings.Count(out, "[dependency-cycle]")
		if cyc != 1 {
			t.Errorf("%s: %d dependency-cycle findings, want the one", args[0], cyc)
		}
		if miss := strings.Count(out, "[missing-dependency]"); miss < n-1 {
			t.Errorf("%s: %d missing-dependency findings, want one per other member (%d)", args[0], miss, n-1)
		}
	}
}
