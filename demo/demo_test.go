package demo

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/rules"
)

// Every story runs on the embedded samples, and each run shows what its
// explanation says: findings where the kernel would fail, none where it would
// not.
func TestStories(t *testing.T) {
	var b strings.Builder
	dir, err := Write(&b, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	i386, amd64 := filepath.Join(dir, "i386", "vnet_user.ko"), filepath.Join(dir, "amd64", "vnet_user.ko")
	for _, want := range []string{
		"--profile freebsd-8.2 " + i386 + "\n   " + i386 + ": .got+0x4: error: R_386_GLOB_DAT refers to VNET variable",
		"[set-ref-unrelocated]",
		"--profile freebsd-14 " + i386 + "\n   profile freebsd-14: 0 errors, 0 warnings, 0 notes",
		"--profile freebsd-8.2 " + amd64 + "\n   profile freebsd-8.2: 0 errors",
		"[modspace-exhausted]",
		"[undeclared-dependency]",
		"[set-ref-pcrel]",
		"[user-map-pmap-enter]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	for _, s := range Stories() {
		for _, r := range s.Runs {
			l, err := simulate(r, dir)
			if err != nil {
				t.Fatalf("%s: %v", s.Title, err)
			}
			errs := 0
			for _, f := range l.Findings {
				if f.Severity >= rules.Warning {
					errs++
				}
			}
			if r.Clean != (errs == 0) {
				t.Errorf("%s, %s %s: %d errors, but the explanation says otherwise", s.Title, r.Config, r.Profile, errs)
			}
		}
	}
}
