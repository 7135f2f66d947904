package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/bootset"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/scan"
)

// Host is what kldcheck asks of the machine it runs on. On FreeBSD it is
// the running kernel (host_freebsd.go); elsewhere it knows nothing, and
// tests put a fake in its place.
type Host interface {
	// BootFile is kern.bootfile: the running kernel's file.
	BootFile() (string, bool)
	// ModulePath is kern.module_path.
	ModulePath() ([]string, bool)
	// Loaded lists the files the running kernel has loaded, as kldstat -v.
	Loaded() ([]bootset.LoadedFile, error)
}

// host is the machine kldcheck runs on.
var host Host = noHost{}

// noHost is a machine that is not running FreeBSD.
type noHost struct{}

func (noHost) BootFile() (string, bool)     { return "", false }
func (noHost) ModulePath() ([]string, bool) { return nil, false }
func (noHost) Loaded() ([]bootset.LoadedFile, error) {
	return nil, usageErr("--loaded asks the running FreeBSD kernel what it has loaded; on another system, save `kldstat -v` there and pass it with --loaded-from")
}

// openKernel reads --kernel, else the running kernel (kern.bootfile); nil
// without either (the stand-in). said tells where it came from when that
// was the host.
func openKernel(path string) (k *kobj.File, said string, err error) {
	if path == "" {
		if p, ok := host.BootFile(); ok {
			path, said = p, p+" (kern.bootfile)"
		}
	}
	if path == "" {
		return nil, "", nil
	}
	if k, err = kobj.Open(path); err != nil {
		return nil, "", &exitError{ExitUsage, err}
	}
	return k, said, nil
}

// chooseProfile is --profile (for modules of archs; a note on stderr says
// which profile a release selected), else the kernel's osreldate's, else
// the newest.
func chooseProfile(arg string, kernel *kobj.File, archs []*arch.Arch, stderr io.Writer) (*profile.Profile, error) {
	switch {
	case arg != "":
		p, note, err := resolveProfile(arg, archs)
		if err != nil {
			return nil, err
		}
		if note != "" {
			fmt.Fprintf(stderr, "kldcheck: note: %s\n", note)
		}
		return p, nil
	case kernel != nil:
		return profile.ForKernel(kernel.OSRelDate), nil
	}
	return profile.Newest(), nil
}

// readHints gives opts the linker.hints of each module-path directory (an
// unreadable one is said on stderr and left out), and indexes the
// directories without one when a module is not found, as kldxref would.
func readHints(opts *linker.Options, stderr io.Writer) {
	opts.UseModulePathHints(func(err error) { fmt.Fprintf(stderr, "kldcheck: note: %v: not used\n", err) })
}

// scanProfile is --profile for scan and diff: the profile (a note on
// stderr says which a release selected), and a check, for each
// architecture met in the tree, that the release is not older than it.
func scanProfile(arg string, opts *scan.Options, stderr io.Writer) error {
	if arg == "" {
		return nil
	}
	p, note, err := resolveProfile(arg, nil)
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintf(stderr, "kldcheck: note: %s\n", note)
	}
	opts.Profile = p
	checked := map[*arch.Arch]bool{}
	opts.CheckArch = func(a *arch.Arch) error {
		if checked[a] {
			return nil
		}
		checked[a] = true
		_, _, err := resolveProfile(arg, []*arch.Arch{a})
		return err
	}
	return nil
}

// runScan is scan.Run with its errors as exit statuses: bad input is a
// usage error (exit 2).
func runScan(opts scan.Options) (*scan.Result, error) {
	res, err := scan.Run(opts)
	var ee *exitError
	if errors.As(err, &ee) {
		return nil, err
	}
	if err != nil {
		return nil, &exitError{ExitUsage, err}
	}
	return res, nil
}
