package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/demo"
	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/rules"
)

// User-facing text names FreeBSD's reports (the 2011 freebsd-net thread,
// FreeBSD-EN-23:08.vnet, the VirtualBox pmap_enter report), never the
// internal numbering of the reports kldcheck was built from.
func TestUserWordsNameTheReports(t *testing.T) {
	internal := regexp.MustCompile(`(?i)\bseeds? ?\d{3}`)
	root := testutil.Root(t)
	files := []string{"README.md", "docs/kldcheck.8", "docs/rules.md", "docs/json.md", "docs/architecture.md", "testdata/README.md"}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if m := internal.FindString(string(b)); m != "" {
			t.Errorf("%s says %q", f, m)
		}
	}
	var texts []string
	for _, r := range rules.All() {
		texts = append(texts, r.Summary, r.Kernel, r.Source, r.Fix)
	}
	for _, s := range demo.Stories() {
		texts = append(texts, s.Title, s.Intro)
		for _, r := range s.Runs {
			texts = append(texts, r.Explain)
		}
	}
	for _, s := range texts {
		if m := internal.FindString(s); m != "" {
			t.Errorf("catalogue or demo says %q: %s", m, s)
		}
	}
}

// The demo works from an installed binary anywhere: every path in the
// commands it prints exists, in the directory it extracted the samples to.
func TestDemoCommandsRunAsShown(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // not a checkout: no testdata/ here
	code, out, stderr := run("demo", "--samples", filepath.Join(dir, "samples"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	n := 0
	for _, line := range strings.Split(out, "\n") {
		cmd, ok := strings.CutPrefix(strings.TrimSpace(line), "$ kldcheck ")
		if !ok {
			continue
		}
		n++
		for _, arg := range strings.Fields(cmd) {
			if strings.Contains(arg, "/") {
				if _, err := os.Stat(arg); err != nil {
					t.Errorf("demo command %q names a missing file: %v", cmd, err)
				}
			}
		}
		code, _, stderr := run(strings.Fields(cmd)...)
		if code == ExitUsage {
			t.Errorf("demo command %q fails: %s", cmd, stderr)
		}
	}
	if n == 0 {
		t.Fatal("the demo printed no command")
	}
}
