// Package demo replays the reports kldcheck was built from (the seeds) on the
// sample kernels and modules embedded in the binary: what the FreeBSD kernel
// linker would do with them, and why.
package demo

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/kldcheck/kldcheck"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/report"
)

// Story is one replayed report.
type Story struct {
	Title string
	// Intro says what happened in the real world.
	Intro string
	// Runs are the simulations shown, each with what to notice.
	Runs []Run
}

// Run is one simulated kldload.
type Run struct {
	Config  string // sample directory: i386, arm64, arm64-lld14-relax, ...
	Profile string
	Modules []string
	// Explain says what the reader sees, and why.
	Explain string
	// Clean is true when the kernel would load the modules and run them
	// right: the run must show no error or warning.
	Clean bool
}

// Stories returns the replayed reports in order.
func Stories() []Story { return stories }

// Write replays every story to w.
func Write(w io.Writer) error {
	var b strings.Builder
	b.WriteString("kldcheck demo: the reports kldcheck comes from, replayed on the sample modules built into it\n")
	b.WriteString("(our own C sources in testdata/src, built by Debian clang/lld the way sys/conf/kmod.mk builds modules)\n")
	for i, s := range stories {
		fmt.Fprintf(&b, "\n%d. %s\n%s\n", i+1, s.Title, indent(s.Intro, "   "))
		for _, r := range s.Runs {
			l, err := simulate(r)
			if err != nil {
				return err
			}
			fs := l.Findings
			dir := path.Join("testdata", r.Config)
			fmt.Fprintf(&b, "\n   $ kldcheck check --kernel %s/kernel --profile %s %s\n", dir, r.Profile, strings.Join(prefixed(dir, r.Modules), " "))
			var out strings.Builder
			if err := report.WriteFindingsText(&out, r.Profile, fs, report.TextOptions{}); err != nil {
				return err
			}
			b.WriteString(indent(strings.TrimRight(out.String(), "\n"), "   "))
			fmt.Fprintf(&b, "\n%s\n", indent(r.Explain, "   → "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// simulate loads a run's modules from the embedded samples.
func simulate(r Run) (*linker.Linker, error) {
	dir := path.Join("testdata", r.Config)
	open := func(p string) (*kobj.File, error) {
		data, err := fs.ReadFile(kldcheck.Samples, p)
		if err != nil {
			return nil, &kobj.Error{Path: p, Msg: err.Error()}
		}
		return kobj.Parse(p, data)
	}
	exists := func(p string) bool {
		st, err := fs.Stat(kldcheck.Samples, p)
		return err == nil && st.Mode().IsRegular()
	}
	k, err := open(path.Join(dir, "kernel"))
	if err != nil {
		return nil, err
	}
	p, err := profile.ByName(r.Profile)
	if err != nil {
		return nil, err
	}
	l, err := linker.New(linker.Options{Profile: p, Kernel: k, ModulePath: []string{dir}, Open: open, Exists: exists})
	if err != nil {
		return nil, err
	}
	return l, l.LoadAll(prefixed(dir, r.Modules))
}

func prefixed(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = path.Join(dir, n)
	}
	return out
}

func indent(s, pfx string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = pfx + l
	}
	return strings.Join(lines, "\n")
}
