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
	"path/filepath"
	"slices"
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
	// IndexDir, when set, is asked (once per directory) to add to Hints the
	// modules of a module-path directory that has no linker.hints, as
	// kldxref would index them, when a module is found nowhere; it reports
	// whether it added any. A build tree has no linker.hints until
	// installed.
	IndexDir func(dir string) bool
	indexed  map[string]bool
	// DefinedElsewhere, when set, names a module file outside the loaded ones
	// that defines a global symbol (scan: any module of the tree); it turns an
	// undefined symbol into an undeclared dependency.
	DefinedElsewhere func(symbol string) string
	// ForeignProviders, when set, names the files of another architecture
	// that declare a module (scan: such files are left out of the index,
	// as kldxref leaves them out of linker.hints), for the message of a
	// dependency found nowhere else.
	ForeignProviders map[string]string
	// Refused, when set, maps files whose load is known to fail to why (a
	// phrase after the file name): a dependency resolving to one fails at
	// once, without loading it (scan: the files on a dependency cycle,
	// which would otherwise be loaded again for every module needing one).
	Refused map[string]string
	// Outcomes, when set, remembers how each file's relocation passes went
	// and lets a file loaded as a dependency skip them (scan: many
	// simulated kernels load the same dependencies).
	Outcomes *Outcomes
	// OnApply, when set, is called with each relocation record the linker
	// applies, as it applies it (for kldcheck info --relocs).
	OnApply func(f *File, a Applied)
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
	// Tried holds every file a load was attempted for, by path, loaded
	// or not: what was learnt of a refused file (its references so far,
	// its code) stays readable.
	Tried map[string]*File
	// Failed lists the loads the kernel refused, in order: the file and
	// the kernel's message (the finding that stopped each is in Findings).
	Failed []LoadError
	// AssumedModules lists, without a kernel, the modules depended on that
	// no file of the module path provides, taken to be compiled into the
	// kernel, with the files depending on each (in load order).
	AssumedModules map[string]*Assumed
	// Shadowed lists, without a kernel, the symbols taken to be the
	// kernel's although a module the file does not depend on defines
	// them: file, then defining file, then symbols.
	Shadowed map[string]map[string][]string

	opts    Options
	modules []modEntry // the kernel's found_modules list (MDT_VERSION records)
	// registered is kern_module.c's module list: each DECLARE_MODULE name
	// (MDT_MODULE record) registered, with the file it came from.
	registered map[string]*File
	// acceptsType caches the profile's verdict on each relocation type of
	// the linker's architecture: 1 accepted, -1 rejected, 0 not asked yet.
	acceptsType []int8
	nextBase    uint64
	synthetic   bool
	synthNext   map[vdata.Kind]uint64
	synthText   uint64
	synthSyms   map[string]uint64
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
	Rule string // the finding that stopped the load
}

func (e *LoadError) Error() string { return e.Msg }

// cause is the failure as a dependent's message quotes it: the message
// itself when the file failed on its own, and only the rule when it failed
// for a dependency of its own (which has its own finding), so that a long
// chain or cycle of failed loads is reported in linear, not quadratic, size.
func (e *LoadError) cause() string {
	switch e.Rule {
	case rules.MissingDependency, rules.DependencyCycle, rules.VersionMismatch:
		return "its own dependencies did not load (" + e.Rule + ", reported on " + filepath.Base(e.File) + ")"
	}
	return e.Msg
}

// New returns a simulated kernel, booted: the kernel file is linked and its
// MODULE_VERSION records registered, as linker_preload does.
func New(opts Options) (*Linker, error) {
	if opts.Profile == nil {
		opts.Profile = profile.Newest()
	}
	opts.defaults()
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
func (l *Linker) Load(path string) (f *File, err error) { return l.load(path, false) }

// load is Load; dep says the file is loaded as a dependency, whose
// relocation passes Options.Outcomes may already know.
func (l *Linker) load(path string, dep bool) (f *File, err error) {
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
	var known *Outcome
	if dep {
		known = l.opts.Outcomes.get(path)
	}
	return l.loadFile(obj, known)
}

// loadFile runs the class loader for the file's format.
func (l *Linker) loadFile(obj *kobj.File, known *Outcome) (*File, error) {
	f := &File{Obj: obj, Name: filepath.Base(obj.Path), l: l, known: known}
	l.Files = append(l.Files, f)
	if l.Tried == nil {
		l.Tried = map[string]*File{}
	}
	l.Tried[obj.Path] = f
	var err error
	switch {
	case obj.Type == elfREL && !obj.Arch.LinkElfObj:
		// Only link_elf is compiled in: it answers ENOSYS for ET_REL and
		// linker_load_file gives up (sys/kern/kern_linker.c).
		err = l.fail(f, rules.New(rules.UnsupportedFormat, obj.Path,
			"linker_load_file: %s - unsupported file type (a relocatable object: %s modules are shared objects, linked with ld -Bshareable as sys/conf/kmod.mk does)",
			obj.Path, obj.Arch.Name))
	case obj.Type == elfREL:
		err = l.loadObj(f)
	default:
		err = l.loadDyn(f)
	}
	l.opts.Outcomes.record(f)
	linked := err == nil
	if linked {
		// linker_load_file: the modules a file declares are registered
		// once the class loader has linked it.
		err = l.registerModules(f)
	}
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			l.Failed = append(l.Failed, *le)
			if cerr := l.checkStopped(f, le, linked); cerr != nil {
				err = cerr
			}
		}
		l.unload(f)
		return nil, err
	}
	f.Loaded = true
	if f.known != nil {
		// Its findings were made when it was checked itself; only a code
		// scan's error (bad input) still stops the load.
		err := f.known.codeErr
		if !f.known.code {
			_, _, err = codeScan(f)
		}
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	err = l.checkCode(f)
	l.opts.Outcomes.recordCode(f, err)
	if err != nil {
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
	for name, g := range l.registered {
		if g == f {
			delete(l.registered, name)
		}
	}
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
	return &LoadError{File: f.Obj.Path, Msg: fd.Message, Rule: fd.Rule}
}

// report records a finding that does not stop the load.
func (l *Linker) report(fd rules.Finding) { l.Findings = append(l.Findings, fd) }

// LoadNamed boots a kernel with opts and loads paths in turn (LoadAll).
// files holds their parses by path: the linker takes them from there before
// it reads any other file, and an undefined symbol one of them defines is an
// undeclared dependency whatever their order (Definers, over the paths
// sorted). It is what kldcheck check and check.Modules do.
func LoadNamed(opts Options, paths []string, files map[string]*kobj.File) (*Linker, error) {
	open := opts.Open
	if open == nil {
		open = kobj.Open
	}
	opts.Open = func(p string) (*kobj.File, error) {
		if f, ok := files[p]; ok {
			return f, nil
		}
		return open(p)
	}
	byPath := slices.Sorted(slices.Values(paths))
	opts.DefinedElsewhere = Definers(byPath, files, VisibilityOf(opts.Profile))
	l, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := l.LoadAll(paths); err != nil {
		return nil, err
	}
	return l, nil
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
	if fd, ok := KernelDependencyNote(l.AssumedModules); ok {
		l.report(fd)
	}
	l.reportShadowed()
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
