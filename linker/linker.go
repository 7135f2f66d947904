// Package linker simulates the FreeBSD kernel linker loading modules, as
// kldload(2) does: the kernel (preloaded), module search and MODULE_DEPEND
// resolution (sys/kern/kern_linker.c), shared-object modules
// (sys/kern/link_elf.c: every architecture but amd64) and relocatable ones
// (sys/kern/link_elf_obj.c: amd64), with their set_vnet and set_pcpu moved into
// module space. Every relocation is applied into a simulated memory image,
// and every value that designates a VNET or DPCPU variable is compared with
// that variable's address in the kernel's master set.
//
// Behaviour that changed between releases comes from a profile.Profile.
package linker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

// Options configure a simulated kernel.
type Options struct {
	Profile *profile.Profile
	// Kernel is the kernel file; nil simulates a kernel that defines every
	// symbol the modules do not, with module space sized by the profile.
	Kernel *kobj.File
	// ModulePath lists the directories searched for dependencies, like
	// kern.module_path.
	ModulePath []string
	// Open reads a module file; nil means kobj.Open.
	Open func(path string) (*kobj.File, error)
	// Exists reports whether a regular file is at path (the module search);
	// nil means the file system's.
	Exists func(path string) bool
	// Hints maps module names to the files providing them, with versions, as
	// linker.hints does (see ReadHints, IndexModules); consulted before the
	// NAME.ko fallback.
	Hints Hints
	// DefinedElsewhere, when set, names a module file outside the loaded ones
	// that defines a global symbol (scan: any module of the tree); it turns an
	// undefined symbol into an undeclared dependency.
	DefinedElsewhere func(symbol string) string
}

// Linker is one simulated kernel with the files loaded into it.
type Linker struct {
	Profile *profile.Profile
	Arch    *arch.Arch
	Kernel  *File
	// Files lists the loaded files in load order, the kernel first.
	Files []*File
	// Spaces holds the master sets and their module space, by kind. A kind is
	// missing when the kernel has no such set (VNET without options VIMAGE).
	Spaces   map[vdata.Kind]*vdata.Space
	Findings []rules.Finding

	// Notes are remarks on the simulation itself (assumptions made).
	Notes []string
	// Assumed lists the symbols a synthetic kernel was taken to define.
	Assumed []string

	opts      Options
	modules   []modEntry // the kernel's found_modules list (MDT_VERSION records)
	nextBase  uint64
	synthetic bool
	synthNext map[vdata.Kind]uint64
	synthText uint64
	synthSyms map[string]uint64
}

// modEntry is one module version provided by a loaded file.
type modEntry struct {
	name    string
	version int
	file    *File
}

// LoadError is a failed load, worded as the kernel reports it.
type LoadError struct {
	File string
	Msg  string
}

func (e *LoadError) Error() string { return e.Msg }

// New returns a simulated kernel, booted: the kernel file is linked and its
// MODULE_VERSION records registered, as linker_preload does.
func New(opts Options) (*Linker, error) {
	if opts.Profile == nil {
		opts.Profile = profile.Newest()
	}
	if opts.Open == nil {
		opts.Open = kobj.Open
	}
	if opts.Exists == nil {
		opts.Exists = func(p string) bool {
			st, err := os.Stat(p)
			return err == nil && st.Mode().IsRegular()
		}
	}
	l := &Linker{Profile: opts.Profile, opts: opts, Spaces: map[vdata.Kind]*vdata.Space{}}
	if opts.Kernel != nil {
		if opts.Kernel.Kind != kobj.Kernel {
			return nil, &kobj.Error{Path: opts.Kernel.Path, Msg: "not a kernel (an executable with a dynamic symbol table)"}
		}
		if err := l.bootKernel(opts.Kernel); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Load loads the module file at path with its dependencies, as kldload(2)
// does. A load that the kernel would refuse returns a *LoadError after
// recording findings; bad input returns a *kobj.Error.
func (l *Linker) Load(path string) (f *File, err error) {
	defer func() {
		// A panic here is a kldcheck bug on this input: report it as an
		// error about the file, so that the other files' results survive.
		if r := recover(); r != nil {
			f, err = nil, &kobj.Error{Path: path, Internal: true,
				Msg: fmt.Sprintf("kldcheck failed simulating the load (%v); please report this", r)}
		}
	}()
	obj, err := l.opts.Open(path)
	if err != nil {
		return nil, err
	}
	if obj.Kind != kobj.Module {
		return nil, &kobj.Error{Path: path, Msg: "is a kernel, not a module (pass it with --kernel)"}
	}
	if l.Arch == nil {
		l.bootSynthetic(obj.Arch)
	}
	if obj.Arch != l.Arch {
		return nil, &kobj.Error{Path: path, Msg: fmt.Sprintf("%s module, but the kernel is %s", obj.Arch.Name, l.Arch.Name)}
	}
	if g := l.fileByName(filepath.Base(path)); g != nil {
		return g, nil // kldload: already loaded
	}
	return l.loadFile(obj)
}

// loadFile runs the class loader for the file's format.
func (l *Linker) loadFile(obj *kobj.File) (*File, error) {
	f := &File{Obj: obj, Name: filepath.Base(obj.Path), l: l}
	l.Files = append(l.Files, f)
	var err error
	if obj.Type == elfREL {
		err = l.loadObj(f)
	} else {
		err = l.loadDyn(f)
	}
	if err != nil {
		l.unload(f)
		return nil, err
	}
	f.Loaded = true
	if err := l.checkCode(f); err != nil {
		return nil, err
	}
	return f, nil
}

// unload removes a file whose load failed, freeing its module space
// (linker_file_unload with LINKER_UNLOAD_FORCE).
func (l *Linker) unload(f *File) {
	for k, w := range f.Sets {
		if w.Allocated {
			l.Spaces[k].Free(w.Base)
		}
	}
	for i, g := range l.Files {
		if g == f {
			l.Files = append(l.Files[:i], l.Files[i+1:]...)
			break
		}
	}
	kept := l.modules[:0]
	for _, m := range l.modules {
		if m.file != f {
			kept = append(kept, m)
		}
	}
	l.modules = kept
}

func (l *Linker) fileByName(name string) *File {
	for _, f := range l.Files {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// fail records a finding and returns the load error the kernel reports.
func (l *Linker) fail(f *File, fd rules.Finding) error {
	l.Findings = append(l.Findings, fd)
	return &LoadError{File: f.Obj.Path, Msg: fd.Message}
}

// report records a finding that does not stop the load.
func (l *Linker) report(fd rules.Finding) { l.Findings = append(l.Findings, fd) }

// loadDependencies follows the file's MODULE_DEPEND records as
// linker_load_dependencies does (sys/kern/kern_linker.c, FreeBSD 14): the
// kernel is the first dependency; a MODULE_VERSION another loaded file already
// provides is refused; each dependency not self-provided is taken from the
// loaded modules, or searched for in the module path and loaded.
func (l *Linker) loadDependencies(f *File) error {
	if l.Kernel != nil {
		f.Deps = append(f.Deps, l.Kernel)
	}
	for _, m := range f.Obj.Metadata {
		if m.Type != kobj.MDTVersion {
			continue
		}
		if e := l.lookupModule(m.Name, m.ModVersion, m.ModVersion, m.ModVersion, false); e != nil {
			return l.fail(f, rules.New(rules.DuplicateModule, f.Obj.Path,
				"interface %s.%d already present in the KLD '%s'!", m.Name, m.ModVersion, e.file.Name))
		}
	}
	for _, d := range f.Obj.Depends() {
		if e := l.lookupModule(d.Name, d.Min, d.Preferred, d.Max, true); e != nil {
			f.Deps = append(f.Deps, e.file)
			continue
		}
		if d.Name == "kernel" && l.synthetic {
			continue // no kernel given: assume it satisfies the dependency
		}
		if err := l.loadDependency(f, d); err != nil {
			return err
		}
	}
	for _, m := range f.Obj.Metadata {
		if m.Type == kobj.MDTVersion {
			l.modules = append(l.modules, modEntry{m.Name, m.ModVersion, f})
		}
	}
	return nil
}

// loadDependency searches the module path for a file providing d and loads
// it, as linker_load_module does. When a loaded file already provides the
// module in another version, the search could only find that file again.
func (l *Linker) loadDependency(f *File, d kobj.Metadata) error {
	msg := fmt.Sprintf("KLD %s: depends on %s - not available or version mismatch", f.Name, d.Name)
	mismatch := func(have modEntry) error {
		fd := rules.New(rules.VersionMismatch, f.Obj.Path, "%s (%s provides %s version %d; %s needs %d..%d)",
			msg, have.file.Name, d.Name, have.version, f.Name, d.Min, d.Max)
		fd.Symbol = d.Name
		return l.fail(f, fd)
	}
	for _, m := range l.modules {
		if m.name == d.Name {
			return mismatch(m)
		}
	}
	path, found := l.searchModule(d)
	if !found {
		fd := rules.New(rules.MissingDependency, f.Obj.Path, "%s (no %s.ko in %s)", msg, d.Name, l.pathString())
		fd.Symbol = d.Name
		return l.fail(f, fd)
	}
	if g := l.fileByName(filepath.Base(path)); g != nil && !g.Loaded {
		// linker_load_module: a file of that name is already being loaded
		// (EEXIST): the dependencies form a cycle.
		fd := rules.New(rules.DependencyCycle, f.Obj.Path, "%s (%s is still being loaded: dependency cycle %s)", msg, g.Name, l.loadingChain(g))
		fd.Symbol = d.Name
		return l.fail(f, fd)
	}
	dep, err := l.Load(path)
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			fd := rules.New(rules.MissingDependency, f.Obj.Path, "%s (loading %s failed: %s)", msg, filepath.Base(path), le.Msg)
			fd.Symbol = d.Name
			return l.fail(f, fd)
		}
		return err
	}
	if l.lookupModule(d.Name, d.Min, d.Preferred, d.Max, true) == nil {
		l.unload(dep)
		for _, m := range l.modules {
			if m.name == d.Name {
				return mismatch(m)
			}
		}
		fd := rules.New(rules.MissingDependency, f.Obj.Path, "%s (%s has no MODULE_VERSION(%s))", msg, dep.Name, d.Name)
		fd.Symbol = d.Name
		return l.fail(f, fd)
	}
	f.Deps = append(f.Deps, dep)
	return nil
}

// lookupModule finds a loaded module version as modlist_lookup2 does: the
// preferred version wins at once, else the highest within [min, max]. With
// ranged false it matches the exact version (modlist_lookup).
func (l *Linker) lookupModule(name string, min, pref, max int, ranged bool) *modEntry {
	var best *modEntry
	for i := range l.modules {
		m := &l.modules[i]
		if m.name != name {
			continue
		}
		if !ranged {
			if m.version == pref || pref == 0 {
				return m
			}
			continue
		}
		if m.version == pref {
			return m
		}
		if m.version >= min && m.version <= max && (best == nil || m.version > best.version) {
			best = m
		}
	}
	return best
}

// searchModule finds the file providing d as linker_search_module does: in
// each module-path directory, the linker.hints entry with the preferred
// version, else the highest in range; else NAME.ko (or NAME) in that
// directory (linker_hints_lookup's fallback).
func (l *Linker) searchModule(d kobj.Metadata) (string, bool) {
	if p, ok := l.opts.Hints.lookup(d.Name, d.Min, d.Preferred, d.Max); ok {
		return p, true
	}
	for _, dir := range l.opts.ModulePath {
		for _, cand := range []string{d.Name + ".ko", d.Name} {
			if p := filepath.Join(dir, cand); l.opts.Exists(p) {
				return p, true
			}
		}
	}
	return "", false
}

// loadingChain spells the files being loaded, from g to the newest, for a
// dependency cycle message.
func (l *Linker) loadingChain(g *File) string {
	var names []string
	on := false
	for _, f := range l.Files {
		if f == g {
			on = true
		}
		if on && !f.Loaded {
			names = append(names, f.Name)
		}
	}
	return strings.Join(append(names, g.Name), " -> ")
}

func (l *Linker) pathString() string {
	if len(l.opts.ModulePath) == 0 {
		return "an empty module path"
	}
	return strings.Join(l.opts.ModulePath, ";")
}

// LoadAll loads each module in turn, as successive kldload(8) calls would. A
// load the kernel refuses is recorded in Findings and the next file is still
// loaded; bad input stops with a *kobj.Error.
func (l *Linker) LoadAll(paths []string) error {
	for _, p := range paths {
		if _, err := l.Load(p); err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				return err
			}
		}
	}
	if len(l.Assumed) > 0 {
		l.Notes = append(l.Notes, fmt.Sprintf("taken to be the kernel's: %s", strings.Join(l.Assumed, ", ")))
	}
	return nil
}

// Modules returns the modules each loaded file contains (its MDT_MODULE
// records), as kldstat -v lists them.
func (f *File) Modules() []string {
	var out []string
	for _, m := range f.Obj.Metadata {
		if m.Type == kobj.MDTModule {
			out = append(out, m.Name)
		}
	}
	return out
}

// Refcount is the number of loaded files depending on f, plus one for the
// load itself (kldstat's Refs column).
func (l *Linker) Refcount(f *File) int {
	n := 1
	for _, g := range l.Files {
		for _, d := range g.Deps {
			if d == f {
				n++
			}
		}
	}
	return n
}
