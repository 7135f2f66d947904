package cli

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kldcheck/kldcheck/internal/damage"
	"github.com/kldcheck/kldcheck/internal/testutil"
)

// TestDamagedCorpusWrite only writes the corpus, for bench/damaged.sh's
// whole-tree scan (KLDCHECK_DAMAGED_DIR, KLDCHECK_DAMAGED_N); skipped
// otherwise.
func TestDamagedCorpusWrite(t *testing.T) {
	if os.Getenv("KLDCHECK_DAMAGED_DIR") == "" {
		t.Skip("KLDCHECK_DAMAGED_DIR not set")
	}
	t.Logf("%d files", len(damagedCorpus(t)))
}

// damagedCorpus writes damaged copies of every fixture into a directory and
// returns their paths; n is 400, or 100 with -short, or KLDCHECK_DAMAGED_N.
func damagedCorpus(t *testing.T) []string {
	var names []string
	var bases [][]byte
	for _, fx := range testutil.Fixtures(t) {
		data, err := os.ReadFile(fx.Path)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, fx.Config+"-"+strings.TrimSuffix(fx.Name, ".ko"))
		bases = append(bases, data)
	}
	n := 400
	if testing.Short() {
		n = 100
	}
	if s := os.Getenv("KLDCHECK_DAMAGED_N"); s != "" {
		// bench/damaged.sh: a tree of thousands for the whole-tree scan.
		if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
			t.Fatalf("KLDCHECK_DAMAGED_N=%q: want a positive count", s)
		}
	}
	dir := t.TempDir()
	if keep := os.Getenv("KLDCHECK_DAMAGED_DIR"); keep != "" {
		dir = keep // bench/damaged.sh runs the binary over them
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var paths []string
	for _, c := range damage.Corpus(1, names, bases, n) {
		p := filepath.Join(dir, c.Name+".ko")
		if err := os.WriteFile(p, c.Data, 0o444); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if len(paths) < n*9/10 {
		t.Fatalf("only %d damaged files", len(paths))
	}
	return paths
}

// digests returns each file's SHA-256 and modification time.
func digests(t *testing.T, paths []string) map[string]string {
	out := map[string]string{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = fmt.Sprintf("%x %v", sha256.Sum256(data), st.ModTime())
	}
	return out
}

// Several hundred damaged files through check: no panic, none over 10 s, the
// process never over 2 GB, and a clean one-line error (exit 2) or a report.
func TestDamagedFilesCheck(t *testing.T) {
	paths := damagedCorpus(t)
	before := digests(t, paths)
	defer func() {
		// Inputs are opened read-only and never written.
		for p, d := range digests(t, paths) {
			if before[p] != d {
				t.Errorf("%s changed", filepath.Base(p))
			}
		}
	}()
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.Sys > peak.Load() {
					peak.Store(ms.Sys)
				}
			}
		}
	}()
	defer close(stop)
	codes := map[int]int{}
	for _, p := range paths {
		done := make(chan [3]string, 1)
		start := time.Now()
		go func() {
			code, out, stderr := run("check", "--brief", p)
			done <- [3]string{fmt.Sprint(code), out, stderr}
		}()
		select {
		case r := <-done:
			var code int
			fmt.Sscan(r[0], &code)
			codes[code]++
			stderr := r[2]
			switch code {
			case ExitOK, ExitFindings:
			case ExitUsage:
				if !strings.HasPrefix(stderr, "kldcheck: "+p+": ") || strings.Count(stderr, "\n") != 1 {
					t.Errorf("%s: error is not one line naming the file: %q", filepath.Base(p), stderr)
				}
				if strings.HasSuffix(stderr, "EOF\n") {
					t.Errorf("%s: error names no fault: %q", filepath.Base(p), stderr)
				}
			default:
				t.Errorf("%s: exit %d", filepath.Base(p), code)
			}
			if strings.Contains(stderr+r[1], "please report") {
				t.Errorf("%s: kldcheck failed on its own: %s%s", filepath.Base(p), stderr, r[1])
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Logf("%s: slow, %v", filepath.Base(p), d)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: check still running after 10 s", filepath.Base(p))
		}
	}
	if peak.Load() > 2<<30 {
		t.Errorf("memory reached %d MB", peak.Load()>>20)
	}
	t.Logf("%d files: exit statuses %v, peak memory from the Go runtime %d MB", len(paths), codes, peak.Load()>>20)
}

// Damaged files through info --symbols --relocs (which also simulates each
// load): a listing or a one-line error naming the file, never a failure
// of kldcheck's own.
func TestDamagedFilesDetail(t *testing.T) {
	paths := damagedCorpus(t)
	if len(paths) > 100 {
		paths = paths[:100]
	}
	for _, p := range paths {
		code, out, stderr := run("info", "--symbols", "--relocs", p)
		switch {
		case code == ExitUsage && (!strings.HasPrefix(stderr, "kldcheck: "+p+": ") || strings.Count(stderr, "\n") != 1):
			t.Errorf("%s: error is not one line naming the file: %q", filepath.Base(p), stderr)
		case code != ExitOK && code != ExitUsage:
			t.Errorf("%s: exit %d", filepath.Base(p), code)
		case strings.Contains(stderr+out, "please report"):
			t.Errorf("%s: kldcheck failed on its own: %s", filepath.Base(p), stderr)
		}
	}
}
