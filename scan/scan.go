// Package scan checks a whole module tree, as /boot/kernel and /boot/modules
// are: it reads every .ko once, indexes the modules they provide as kldxref(8)
// does (and reads linker.hints where present), reports duplicate modules and
// dependency cycles, then checks each module loaded with its dependencies
// into a fresh simulated kernel, in parallel.
package scan

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

// Options configure a scan.
type Options struct {
	Dirs []string
	// Kernel is the kernel file; empty means DIR/kernel in the first
	// directory that has one.
	Kernel  string
	Profile *profile.Profile // nil: from the kernel, else the newest
	// Jobs is the number of modules checked at once (0: all cores).
	Jobs int
	// Progress, when set, is called after each module is checked.
	Progress func(done, total int)
}

// Result is the outcome of a scan.
type Result struct {
	Kernel   string
	Profile  *profile.Profile
	Modules  []Module // every .ko, sorted by path
	Findings []rules.Finding
}

// Module is the outcome for one file.
type Module struct {
	Path     string
	Findings []rules.Finding
	// Spaces is the VNET and DPCPU module space of the simulated kernel the
	// module was checked in, after its load (nil when it could not be read).
	Spaces map[vdata.Kind]*vdata.Space
}

// Run scans the directories. Only a bad kernel file is fatal; a bad module is
// a finding.
func Run(opts Options) (*Result, error) {
	res := &Result{}
	paths, err := listModules(opts.Dirs)
	if err != nil {
		return nil, err
	}
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
		res.Profile = profile.Newest()
		if kernel != nil && kernel.OSRelDate != 0 {
			res.Profile = profile.ForOSRelDate(kernel.OSRelDate)
		}
	}
	cache := newCache()
	hints := linker.Hints{}
	byPath := map[string]*kobj.File{}
	var good []string // the files that parsed, in path order
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	// Read and parse every file on all cores first; the cache keeps them.
	parallel(len(paths), jobs, func(i int) { cache.open(paths[i]) })
	for _, p := range paths {
		f, err := cache.open(p)
		if err != nil {
			fd := rules.New(rules.BadFile, p, "%s", strings.TrimPrefix(err.Error(), p+": "))
			res.Modules = append(res.Modules, Module{Path: p, Findings: []rules.Finding{fd}})
			continue
		}
		byPath[p] = f
		good = append(good, p) // in path order: listModules sorts
		hints.IndexModules(f)
	}
	if kernel != nil {
		for _, d := range opts.Dirs {
			if err := hints.ReadHints(d, kernel.Arch.ByteOrder()); err != nil {
				res.Findings = append(res.Findings, rules.New(rules.BadFile, filepath.Join(d, "linker.hints"), "%s", unwrap(err)))
			}
		}
	}
	// Who defines what, for explaining undefined symbols: the first module
	// of the tree (by path) offering the symbol under the linker's own
	// lookup rule, asked only when a symbol is undefined.
	exported := func(sym string) string {
		for _, p := range good {
			if s, ok := linker.LookupSymbol(byPath[p], sym, res.Profile.LeakLocals); ok && s.Defined() {
				return p
			}
		}
		return ""
	}
	res.Findings = append(res.Findings, duplicates(byPath)...)
	res.Findings = append(res.Findings, cycles(byPath, hints)...)

	out := make([]Module, len(good))
	var mu sync.Mutex
	done := 0
	parallel(len(good), jobs, func(i int) {
		out[i] = checkOne(good[i], kernel, res.Profile, opts.Dirs, hints, cache, exported)
		if opts.Progress != nil {
			mu.Lock()
			done++
			opts.Progress(done, len(good))
			mu.Unlock()
		}
	})
	res.Modules = append(res.Modules, out...)
	sort.Slice(res.Modules, func(i, j int) bool { return res.Modules[i].Path < res.Modules[j].Path })
	return res, nil
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

// checkOne loads one module with its dependencies into a fresh kernel and
// keeps the findings about that module itself (a dependency's own problems
// are reported when it is checked).
func checkOne(path string, kernel *kobj.File, p *profile.Profile, dirs []string, hints linker.Hints, c *cache, exported func(string) string) Module {
	m := Module{Path: path}
	l, err := linker.New(linker.Options{Profile: p, Kernel: kernel, ModulePath: dirs, Hints: hints, Open: c.open,
		DefinedElsewhere: exported})
	if err == nil {
		err = l.LoadAll([]string{path})
	}
	if err != nil {
		m.Findings = append(m.Findings, rules.New(rules.BadFile, path, "%s", unwrap(err)))
		return m
	}
	m.Spaces = l.Spaces
	for _, fd := range l.Findings {
		if fd.File == path {
			m.Findings = append(m.Findings, fd)
		}
	}
	return m
}

// AllFindings returns the scan-wide findings, then each module's.
func (r *Result) AllFindings() []rules.Finding {
	out := append([]rules.Finding(nil), r.Findings...)
	for _, m := range r.Modules {
		out = append(out, m.Findings...)
	}
	return out
}

// listModules lists the .ko files of each directory (a directory given as a
// file is taken as is), leaving out names with two dots as kldxref does
// (foo.ko.debug, foo.ko.pkgsave).
func listModules(dirs []string) ([]string, error) {
	var out []string
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil {
			return nil, &kobj.Error{Path: d, Msg: unwrap(err)}
		}
		if !st.IsDir() {
			out = append(out, d)
			continue
		}
		ents, err := os.ReadDir(d)
		if err != nil {
			return nil, &kobj.Error{Path: d, Msg: unwrap(err)}
		}
		for _, e := range ents {
			n := e.Name()
			if strings.HasSuffix(n, ".ko") && strings.Count(n, ".") == 1 && e.Type().IsRegular() {
				out = append(out, filepath.Join(d, n))
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func unwrap(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// cache parses each file once for all the simulated kernels of a scan.
type cache struct {
	mu    sync.Mutex
	files map[string]*entry
}

type entry struct {
	once sync.Once
	f    *kobj.File
	err  error
}

func newCache() *cache { return &cache{files: map[string]*entry{}} }

func (c *cache) open(path string) (*kobj.File, error) {
	c.mu.Lock()
	e, ok := c.files[path]
	if !ok {
		e = &entry{}
		c.files[path] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.f, e.err = kobj.Open(path) })
	return e.f, e.err
}
