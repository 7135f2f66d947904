package demo

import (
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/rules"
)

// Every story runs on the embedded samples, and each run shows what its
// explanation says: findings where the kernel would fail, none where it would
// not.
func TestStories(t *testing.T) {
	var b strings.Builder
	if err := Write(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"--profile freebsd-8.2 testdata/i386/vnet_user.ko\n   testdata/i386/vnet_user.ko: .got+0x4: error: R_386_GLOB_DAT refers to VNET variable",
		"[set-ref-unrelocated]",
		"--profile freebsd-14 testdata/i386/vnet_user.ko\n   profile freebsd-14: 0 errors, 0 warnings, 0 notes",
		"--profile freebsd-8.2 testdata/amd64/vnet_user.ko\n   profile freebsd-8.2: 0 errors",
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
			l, err := simulate(r)
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
