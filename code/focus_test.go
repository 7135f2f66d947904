package code

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// setRanges returns the module's set_vnet and set_pcpu sections.
func setRanges(f *kobj.File) []Range {
	var rs []Range
	for _, name := range []string{"set_vnet", "set_pcpu"} {
		if s := f.SectionByName(name); s != nil && s.Size > 0 {
			rs = append(rs, Range{s.Addr, s.Addr + s.Size})
		}
	}
	return rs
}

func inRanges(res *Result, rs []Range) []string {
	var out []string
	for _, a := range res.Accesses {
		for _, r := range rs {
			if a.Target >= r.Lo && a.Target < r.Hi {
				out = append(out, fmt.Sprintf("%s+%#x %s %#x", a.Func, a.Offset, a.Kind, a.Target))
			}
		}
	}
	return out
}

// A focused scan, with its prefilter, finds every access into the sets that
// a full scan finds: on every fixture module, and on the modules of the
// benchmark trees when KLDCHECK_BENCH_TREE names a corpus.
func TestFocusedScanMissesNothing(t *testing.T) {
	var paths []string
	for _, fx := range testutil.Fixtures(t) {
		if fx.Name != "kernel" {
			paths = append(paths, fx.Path)
		}
	}
	for _, dir := range testutil.BenchTrees(t) {
		if !strings.Contains(dir, filepath.Join("testdata", "")) {
			_, mods, _ := testutil.TreeFiles(t, dir)
			paths = append(paths, mods...)
		}
	}
	found := 0
	for _, p := range paths {
		f, err := kobj.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		rs := setRanges(f)
		if len(rs) == 0 {
			continue
		}
		full, err := Scan(f)
		if err != nil {
			t.Fatal(err)
		}
		focused, err := ScanFocused(f, Focus{Targets: rs})
		if err != nil {
			t.Fatal(err)
		}
		want, got := inRanges(full, rs), inRanges(focused, rs)
		found += len(want)
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			t.Errorf("%s: focused scan found\n%v\nfull scan found\n%v", p, got, want)
		}
	}
	if found == 0 {
		t.Error("no fixture has an access into its sets: the test checks nothing")
	}
}
