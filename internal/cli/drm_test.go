package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/hints"
	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// drm-kmod's shape: i915kms.ko depends on drmn, which the file drm.ko
// declares. The kernel finds it only through linker.hints (its NAME.ko
// fallback would look for drmn.ko). With a linker.hints written in kldxref's
// format by our own writer, check, load and scan all load the pair; with a
// linker.hints that does not list drmn, all three fail as the kernel would,
// rather than indexing the directory behind the hints' back.
func TestDrmKmodShape(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		src := filepath.Join(testutil.Root(t), "testdata", "tree-"+arch)
		for _, listed := range []bool{true, false} {
			dir := t.TempDir()
			var klds []hints.Kld
			for _, m := range []string{"drm.ko", "i915kms.ko"} {
				copyTo(t, filepath.Join(src, m), filepath.Join(dir, m))
				f, err := kobj.Open(filepath.Join(dir, m))
				if err != nil {
					t.Fatal(err)
				}
				if listed || m != "drm.ko" {
					klds = append(klds, hints.Kld{Name: m, File: f})
				}
			}
			data, _, err := hints.Index(klds)
			if err != nil || data == nil {
				t.Fatalf("hints.Index: %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "linker.hints"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			kernel := filepath.Join(src, "kernel")
			mod := filepath.Join(dir, "i915kms.ko")
			want := map[bool]int{true: ExitOK, false: ExitFindings}[listed]
			for _, args := range [][]string{
				{"check", "--kernel", kernel, mod},
				{"check", "--kernel", kernel, "-p", dir, "i915kms"},
				{"load", "--kernel", kernel, mod},
				{"scan", "--kernel", kernel, dir},
			} {
				code, out, stderr := run(args...)
				if code != want {
					t.Errorf("%s, drmn listed %v: %v: exit %d, want %d\n%s%s", arch, listed, args, code, want, out, stderr)
					continue
				}
				if listed && args[0] == "load" && !strings.Contains(out, "drm.ko") {
					t.Errorf("%s: load does not show drm.ko loaded:\n%s", arch, out)
				}
				if !listed && args[0] != "load" && !strings.Contains(out, "depends on drmn - not available") {
					t.Errorf("%s: %v: no missing drmn:\n%s", arch, args, out)
				}
			}
		}
	}
}
