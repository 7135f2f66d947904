// Package demo replays the reports kldcheck was built from (FreeBSD's own) on the
// sample kernels and modules embedded in the binary: what the FreeBSD kernel
// linker would do with them, and why.
package demo

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
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

// Write replays every story to w, on the samples extracted into dir (a new
// temporary directory when dir is ""), so that every command shown can be
// run as printed, from anywhere, by an installed kldcheck. It returns the
// directory used.
func Write(w io.Writer, dir string) (string, error) {
	dir, err := Extract(dir)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("kldcheck demo: the reports kldcheck comes from, replayed on the sample modules built into it\n")
	b.WriteString("(our own C sources, built by Debian clang/lld the way sys/conf/kmod.mk builds modules;\n")
	fmt.Fprintf(&b, "extracted to %s, so each command below runs as shown)\n", dir)
	for i, s := range stories {
		fmt.Fprintf(&b, "\n%d. %s\n%s\n", i+1, s.Title, indent(s.Intro, "   "))
		for _, r := range s.Runs {
			l, err := simulate(r, dir)
			if err != nil {
				return "", err
			}
			fs := l.Findings
			cdir := filepath.Join(dir, r.Config)
			fmt.Fprintf(&b, "\n   $ kldcheck check --kernel %s --profile %s %s\n", filepath.Join(cdir, "kernel"), r.Profile, strings.Join(prefixed(cdir, r.Modules), " "))
			var out strings.Builder
			if err := report.WriteFindingsText(&out, r.Profile, fs, report.TextOptions{}); err != nil {
				return "", err
			}
			b.WriteString(indent(strings.TrimRight(out.String(), "\n"), "   "))
			fmt.Fprintf(&b, "\n%s\n", indent(r.Explain, "   → "))
		}
	}
	fmt.Fprintf(&b, "\nThe samples stay in %s (remove it when done).\n", dir)
	_, err = io.WriteString(w, b.String())
	return dir, err
}

// Extract writes the embedded samples the stories use into dir (created;
// a new temporary directory when dir is ""), as dir/<config>/kernel and
// dir/<config>/<module>.ko, and returns dir.
func Extract(dir string) (string, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "kldcheck-demo-")
		if err != nil {
			return "", err
		}
		dir = d
	}
	configs := map[string]bool{}
	for _, s := range stories {
		for _, r := range s.Runs {
			configs[r.Config] = true
		}
	}
	for c := range configs {
		files, err := fs.Glob(kldcheck.Samples, path.Join("testdata", c, "*"))
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(filepath.Join(dir, c), 0o755); err != nil {
			return "", err
		}
		for _, f := range files {
			data, err := fs.ReadFile(kldcheck.Samples, f)
			if err != nil {
				return "", err
			}
			if err := os.WriteFile(filepath.Join(dir, c, path.Base(f)), data, 0o644); err != nil {
				return "", err
			}
		}
	}
	return dir, nil
}

// simulate loads a run's modules from the samples extracted into dir.
func simulate(r Run, dir string) (*linker.Linker, error) {
	cdir := filepath.Join(dir, r.Config)
	k, err := kobj.Open(filepath.Join(cdir, "kernel"))
	if err != nil {
		return nil, err
	}
	p, err := profile.ByName(r.Profile)
	if err != nil {
		return nil, err
	}
	l, err := linker.New(linker.Options{Profile: p, Kernel: k, ModulePath: []string{cdir}})
	if err != nil {
		return nil, err
	}
	return l, l.LoadAll(prefixed(cdir, r.Modules))
}

func prefixed(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(dir, n)
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
