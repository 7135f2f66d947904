// Package check is kldcheck's entry point for other programs: simulate
// kldload of modules into a kernel, as the kldcheck check command does, and
// get the findings.
//
// Stability: Modules, Options, Result and their documented fields are
// stable: they keep their names and meaning across releases (new fields may
// be added). The packages below it (kobj, linker, rules, report, ...) are
// importable but their APIs may change between minor releases, except where
// their doc comments say otherwise; rules.Finding and the rule ids in rules
// are stable.
package check

import (
	"path/filepath"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/srcline"
)

// Options say how to load the modules.
type Options struct {
	// Kernel is the kernel file the modules are for; empty: a stand-in
	// kernel defining every symbol the modules lack (the checks that need
	// the real kernel are then notes).
	Kernel string
	// Profile names the kernel-linker profile or a release ("freebsd-14",
	// "13.2"); empty: from the kernel's osreldate, else the newest.
	Profile string
	// ModulePath is searched for dependencies, in order, with each
	// directory's linker.hints; empty: the directories of the modules.
	ModulePath []string
	// DebugDirs are searched for separate debug files (.gnu_debuglink),
	// for the source lines of findings.
	DebugDirs []string
}

// Result is what a simulated load found.
type Result struct {
	// Profile is the profile the load was simulated with.
	Profile string
	// Findings are every finding, in the order of the text report, with
	// source lines where debug information gives them.
	Findings []rules.Finding
	// Loaded lists the files that loaded, dependencies included, as
	// kldstat would.
	Loaded []string
}

// Worst returns the highest severity among the findings, and false when
// there is none.
func (r *Result) Worst() (rules.Severity, bool) {
	worst, any := rules.Note, false
	for _, f := range r.Findings {
		if !any || f.Severity > worst {
			worst, any = f.Severity, true
		}
	}
	return worst, any
}

// Modules loads each module file (or module name, found in the module
// path) in turn into one simulated kernel, as successive kldload(8) calls
// would, and returns the findings. A file that is not a readable module of
// a FreeBSD architecture is an error (*kobj.Error, naming the file); what
// the kernel would refuse is a finding.
func Modules(opts Options, modules ...string) (*Result, error) {
	lo := linker.Options{ModulePath: opts.ModulePath}
	if opts.Kernel != "" {
		k, err := kobj.Open(opts.Kernel)
		if err != nil {
			return nil, err
		}
		lo.Kernel = k
	}
	if len(lo.ModulePath) == 0 {
		seen := map[string]bool{}
		for _, m := range modules {
			if d := filepath.Dir(m); !seen[d] {
				seen[d] = true
				lo.ModulePath = append(lo.ModulePath, d)
			}
		}
	}
	lo.UseModulePathHints(nil) // an unusable hints file: the kernel ignores it too
	var err error
	if lo.Profile, err = chooseProfile(opts.Profile, lo.Kernel); err != nil {
		return nil, err
	}
	var paths []string
	named := map[string]*kobj.File{}
	for _, m := range modules {
		p, ok := lo.Find(m)
		if !ok {
			return nil, &kobj.Error{Path: m, Msg: "no such file, and no such module in the module path"}
		}
		f, err := kobj.Open(p)
		if err != nil {
			return nil, err
		}
		named[p] = f
		paths = append(paths, p)
	}
	l, err := linker.LoadNamed(lo, paths, named)
	if err != nil {
		return nil, err
	}
	res := &Result{Profile: l.Profile.Name, Findings: l.Findings}
	srcline.Annotate(res.Findings, opts.DebugDirs, func(p string) *kobj.File {
		if f := l.Tried[p]; f != nil {
			return f.Obj
		}
		return nil
	})
	for _, f := range l.Files {
		if f.Loaded {
			res.Loaded = append(res.Loaded, f.Name)
		}
	}
	return res, nil
}

func chooseProfile(name string, kernel *kobj.File) (*profile.Profile, error) {
	if name != "" {
		p, _, err := profile.Resolve(name)
		return p, err
	}
	if kernel != nil {
		return profile.ForKernel(kernel.OSRelDate), nil
	}
	return profile.Newest(), nil
}
