package scan

import (
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// A scan with SoftMemoryLimit leaves the runtime's limit as it found it,
// and one without does not touch it.
func TestSoftMemoryLimitRestored(t *testing.T) {
	if testing.Short() {
		t.Skip("changes a process-wide setting")
	}
	t.Setenv("GOMEMLIMIT", "")
	const mine = 3 << 30
	prev := debug.SetMemoryLimit(mine)
	defer debug.SetMemoryLimit(prev)
	dir := filepath.Join(testutil.Root(t), "testdata", "tree-arm64")
	for _, soft := range []bool{true, false} {
		if _, err := Run(Options{Dirs: []string{dir}, SoftMemoryLimit: soft}); err != nil {
			t.Fatal(err)
		}
		if got := debug.SetMemoryLimit(-1); got != mine {
			t.Errorf("SoftMemoryLimit %v: limit %d after the scan, want %d", soft, got, mine)
		}
	}
	if MemoryTarget(2, 8<<20, 0, 0) >= MemoryTarget(4, 8<<20, 0, 0) || MemoryTarget(2, 8<<20, 0, 0) >= MemoryTarget(2, 8<<20, 30<<20, 0) {
		t.Error("the target does not grow with the jobs and the kernel")
	}
}
