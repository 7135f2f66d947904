// Package scan checks a whole module tree, as /boot/kernel and /boot/modules
// are: it reads every .ko, indexes the modules they provide as kldxref(8)
// does (and reads linker.hints where present), reports duplicate modules and
// dependency cycles, then checks each module loaded with its dependencies
// into a fresh simulated kernel, dependencies first, in parallel. A
// dependency's relocation passes run once per scan (linker.Outcomes), and
// parses are held within a budget of bytes (Options.CacheBytes), so memory
// follows the modules loaded together, not the size of the tree.
package scan

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/internal/regfile"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

// Options configure a scan.
type Options struct {
	// Dirs are the directories (or single files) to scan, searched for
	// dependencies in this order, as kern.module_path is: the first
	// directory providing a module wins.
	Dirs []string
	// Recursive finds modules in the subdirectories of Dirs too (a build
	// tree such as /usr/obj/.../modules); each directory holding modules
	// joins the module path, in the order walked.
	Recursive bool
	// Kernel is the kernel file; empty means DIR/kernel in the first
	// directory that has one.
	Kernel  string
	Profile *profile.Profile // nil: from the kernel, else the newest
	// Jobs is the number of modules checked at once (0: all cores).
	Jobs int
	// CheckArch, when set, is asked about the architecture of each module
	// read; an error stops the scan (a profile older than the
	// architecture).
	CheckArch func(a *arch.Arch) error
	// References asks for what kldcheck diff compares (Module.Names,
	// SetBytes, RelocTypes, Refs); it reads more code.
	References bool
	// CacheBytes bounds the file bytes whose parses are held at once
	// (0: DefaultCacheBytes); a file beyond it is parsed again when needed.
	CacheBytes int64
	// Progress, when set, is called after each module is checked.
	Progress func(done, total int)
	// SoftMemoryLimit sets the Go runtime's soft memory limit for the
	// scan (runtime/debug.SetMemoryLimit, restored after) to what the scan
	// holds (MemoryTarget), unless GOMEMLIMIT is set: the collector then
	// runs before the heap doubles. For a command that owns the process;
	// a library leaves it off.
	SoftMemoryLimit bool
}

// Result is the outcome of a scan.
type Result struct {
	Kernel  string
	Profile *profile.Profile
	// Modules holds every .ko, in module-path order (directory by
	// directory, by name within each).
	Modules []Module
	// Findings are about the tree rather than one module: unreadable
	// linker.hints files, the modules taken to be the kernel's.
	Findings []rules.Finding
	// SameAs maps each symbolic link of the tree that reaches a file
	// checked under another name to that name: it is not checked twice.
	SameAs map[string]string
}

// Module is the outcome for one file.
type Module struct {
	Path string
	// Findings are this module's own, including those that involve other
	// files of the tree (a module another file also declares, a cycle).
	Findings []rules.Finding
	// Spaces is the VNET and DPCPU module space of the simulated kernel the
	// module was checked in, after its load (nil when it could not be read).
	Spaces map[vdata.Kind]*vdata.Space
	// Names, SetBytes, RelocTypes and Refs are filled in with
	// Options.References. Names are the modules the file declares
	// (DECLARE_MODULE, else MODULE_VERSION names), for matching builds.
	Names []string
	// SetBytes is the size of the file's own set_vnet and set_pcpu: its
	// share of module space.
	SetBytes map[vdata.Kind]uint64
	// RelocTypes counts the file's relocations by type.
	RelocTypes map[string]int
	// Refs is how the file reaches set variables.
	Refs []linker.Reference
}

// Run scans the directories. Only a bad kernel file is fatal; a bad module is
// a finding.
func Run(opts Options) (*Result, error) {
	res := &Result{}
	ls, err := listModules(opts.Dirs, opts.Recursive)
	if err != nil {
		return nil, err
	}
	paths, modulePath := ls.paths, ls.modulePath
	res.SameAs = ls.sameAs
	var kernel *kobj.File
	kpath := opts.Kernel
	if kpath == "" {
		for _, d := range opts.Dirs {
			if p := filepath.Join(d, "kernel"); isFile(p) {
				kpath = p
				break
			}
		}
	}
	if kpath != "" {
		if kernel, err = kobj.Open(kpath); err != nil {
			return nil, err
		}
		res.Kernel = kpath
	}
	res.Profile = opts.Profile
	if res.Profile == nil {
		osreldate := 0
		if kernel != nil {
			osreldate = kernel.OSRelDate
		}
		res.Profile = profile.ForKernel(osreldate)
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	budget := opts.CacheBytes
	if budget <= 0 {
		budget = DefaultCacheBytes
	}
	var limit memoryLimit
	if opts.SoftMemoryLimit {
		limit.set(MemoryTarget(jobs, budget, int64(kernelSize(kernel)), 0))
		defer limit.restore()
	}
	cache := newCache(budget)
	var outcomes *linker.Outcomes
	if reuseOutcomes {
		outcomes = linker.NewOutcomes()
	}
	hints := linker.Hints{}
	// Read and parse every file on all cores first, keeping of each only
	// its summary (module metadata) and the names it exports: the parses
	// themselves stay in the cache only within its budget.
	summaries := make([]*kobj.File, len(paths))
	exports := make([][]uint64, len(paths))
	errs := make([]error, len(paths))
	parallel(len(paths), jobs, func(i int) {
		if why, ok := ls.bad[paths[i]]; ok {
			errs[i] = &kobj.Error{Path: paths[i], Msg: why}
			return
		}
		f, err := cache.open(paths[i])
		if err != nil {
			errs[i] = err
			return
		}
		summaries[i] = f.Summary()
		exports[i] = linker.DefinedExports(f, linker.VisibilityOf(res.Profile))
	})
	byPath := map[string]*kobj.File{}
	names := map[string][]uint64{}
	var good []string // the files that parsed, in path order
	treeArch := dominantArch(kernel, summaries)
	withHints := map[string]bool{}
	for _, d := range modulePath {
		withHints[d] = linker.HasHintsFile(d)
	}
	foreign := map[string]string{} // module name -> the foreign file declaring it
	for i, p := range paths {
		if err := errs[i]; err != nil {
			fd := rules.New(rules.BadFile, p, "%s", strings.TrimPrefix(err.Error(), p+": "))
			res.Modules = append(res.Modules, Module{Path: p, Findings: []rules.Finding{fd}})
			continue
		}
		f := summaries[i]
		if f.Arch != treeArch {
			res.Modules = append(res.Modules, Module{Path: p, Findings: []rules.Finding{foreignFinding(f, treeArch, kernel != nil)}})
			for _, n := range declaredModules(f) {
				if foreign[n] == "" {
					foreign[n] = filepath.Base(p) + " (" + f.Arch.Name + ")"
				}
			}
			continue
		}
		if opts.CheckArch != nil {
			if err := opts.CheckArch(f.Arch); err != nil {
				return nil, err
			}
		}
		byPath[p], names[p] = f, exports[i]
		good = append(good, p) // in module-path order
		if !withHints[filepath.Dir(p)] {
			hints.IndexModules(f) // as kldxref would index the directory
		}
	}
	// A directory with linker.hints is searched through it alone, as the
	// kernel does: a module it does not list is found only as NAME.ko. The
	// kernel reads the file in its own byte order.
	var hintsOrder binary.ByteOrder
	if kernel != nil {
		hintsOrder = kernel.Arch.ByteOrder()
	}
	for _, d := range modulePath {
		if !withHints[d] {
			continue
		}
		if err := hints.ReadHints(d, hintsOrder); err != nil {
			res.Findings = append(res.Findings, rules.New(rules.BadFile, filepath.Join(d, "linker.hints"), "%s", unwrap(err)))
		}
	}
	// Who defines what, for explaining undefined symbols: the first module
	// of the tree offering the symbol under the linker's own lookup rule.
	exported := linker.DefinersOf(good, names)
	if opts.SoftMemoryLimit {
		limit.set(MemoryTarget(jobs, budget, int64(kernelSize(kernel)), factBytes(len(paths), names)))
	}
	exports, names = nil, nil // the index keeps what it needs
	// Findings involving several files belong to the module they are
	// reported on.
	tree := map[string][]rules.Finding{}
	deps := dependsOn(byPath, modulePath, hints, kernelProvides(kernel))
	order := checkOrder(good, deps)
	cycleFindings, onCycle := cycles(byPath, deps)
	refused := make(map[string]string, len(onCycle))
	for p, on := range onCycle {
		refused[p] = "is on a MODULE_DEPEND cycle (reported on " + filepath.Base(on) + ")"
	}
	for _, fd := range append(conflicts(good, byPath), cycleFindings...) {
		tree[fd.File] = append(tree[fd.File], fd)
	}

	// What every module's simulated kernel is booted with.
	kernelOpts := linker.Options{Profile: res.Profile, Kernel: kernel, ModulePath: modulePath, Hints: hints, Open: cache.open,
		DefinedElsewhere: exported, ForeignProviders: foreign, Refused: refused, Outcomes: outcomes}
	out := make([]Module, len(good))
	assumed := make([]map[string]*linker.Assumed, len(good))
	var mu sync.Mutex
	done := 0
	parallel(len(good), jobs, func(j int) {
		i := order[j]
		out[i], assumed[i] = checkOne(good[i], kernelOpts, opts.References)
		if opts.Progress != nil {
			mu.Lock()
			done++
			opts.Progress(done, len(good))
			mu.Unlock()
		}
	})
	for i := range out {
		out[i].Findings = append(out[i].Findings, tree[out[i].Path]...)
	}
	// The modules no file provides, taken to be the kernel's: one note for
	// the whole tree.
	all := map[string]*linker.Assumed{}
	for _, a := range assumed {
		for name, x := range a {
			if all[name] == nil {
				all[name] = &linker.Assumed{}
			}
			all[name].By = append(all[name].By, x.By...)
			all[name].Failed = max(all[name].Failed, x.Failed)
		}
	}
	for _, a := range all {
		a.By = slices.Compact(slices.Sorted(slices.Values(a.By)))
	}
	if fd, ok := linker.KernelDependencyNote(all); ok {
		res.Findings = append(res.Findings, fd)
	}
	res.Modules = mergeInOrder(res.Modules, out, paths)
	return res, nil
}

// mergeInOrder returns the unreadable and the checked modules together, in
// the order of paths.
func mergeInOrder(bad, checked []Module, paths []string) []Module {
	byPath := make(map[string]Module, len(bad)+len(checked))
	for _, m := range append(bad, checked...) {
		byPath[m.Path] = m
	}
	out := make([]Module, 0, len(paths))
	for _, p := range paths {
		if m, ok := byPath[p]; ok {
			out = append(out, m)
		}
	}
	return out
}

// parallel calls fn(0..n-1) on jobs goroutines.
func parallel(n, jobs int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// checkOne loads one module with its dependencies into a fresh kernel booted
// with opts and keeps the findings about that module itself (a dependency's own problems
// are reported when it is checked).
//
// It also returns the modules depended on that no file provides (without a
// kernel), with the files depending on them.
func checkOne(path string, opts linker.Options, refs bool) (Module, map[string]*linker.Assumed) {
	m := Module{Path: path}
	l, err := linker.New(opts)
	if err == nil {
		err = l.LoadAll([]string{path})
	}
	if err != nil {
		var ke *kobj.Error
		if l == nil || !errors.As(err, &ke) || ke.Path == path {
			m.Findings = append(m.Findings, rules.New(rules.BadFile, path, "%s", unwrap(err)))
			return m, nil
		}
		// A dependency's file failed to read: the blame is its, and the
		// dependent keeps what was found of it before.
		fd := rules.New(rules.MissingDependency, path, "%s depends on %s, which could not be read: %s",
			filepath.Base(path), filepath.Base(ke.Path), ke.Msg)
		fd.Owner = filepath.Base(ke.Path)
		l.Findings = append(l.Findings, fd)
	}
	m.Spaces = l.Spaces
	if f := l.Tried[path]; f != nil && refs {
		describe(&m, f.Obj)
		m.Refs = l.References(f)
	}
	for _, fd := range l.Findings {
		if fd.File == path {
			m.Findings = append(m.Findings, fd)
		}
	}
	return m, l.AssumedModules
}

// AllFindings returns the scan-wide findings, then each module's.
func (r *Result) AllFindings() []rules.Finding {
	out := append([]rules.Finding(nil), r.Findings...)
	for _, m := range r.Modules {
		out = append(out, m.Findings...)
	}
	return out
}

func isFile(p string) bool { return regfile.IsRegular(p) }

func unwrap(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// reuseOutcomes lets a dependency's relocation passes run once per scan
// (linker.Outcomes); tests turn it off to show it changes no result.
var reuseOutcomes = true

// describe fills in what the module file itself says: its names, set sizes
// and relocation types.
func describe(m *Module, f *kobj.File) {
	for _, mi := range f.Modules() {
		m.Names = append(m.Names, mi.Name)
	}
	m.SetBytes = map[vdata.Kind]uint64{}
	for _, k := range vdata.Kinds {
		if s := f.Set(k.SetName()); s != nil {
			m.SetBytes[k] = s.Size()
		}
	}
	m.RelocTypes = f.RelocCounts()
}
