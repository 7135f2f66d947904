package linker

import (
	"debug/elf"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
)

// loadDependencies follows the file's MODULE_DEPEND records as
// linker_load_dependencies does (sys/kern/kern_linker.c, FreeBSD 14): the
// kernel is the first dependency; a MODULE_VERSION another loaded file already
// provides is refused; each dependency not self-provided is taken from the
// loaded modules, or searched for in the module path and loaded.
func (l *Linker) loadDependencies(f *File) error {
	if l.Kernel != nil {
		f.Deps = append(f.Deps, l.Kernel)
	}
	if f.Obj.Type == elf.ET_DYN && !f.Obj.HasHash {
		// linker_file_lookup_set finds no set_modmetadata_set in a file
		// without DT_HASH (missing-hash-table): no dependency is read.
		return nil
	}
	for _, m := range f.Obj.Metadata {
		if m.Type != kobj.MDTVersion {
			continue
		}
		if e := l.lookupModule(m.Name, m.ModVersion, m.ModVersion, m.ModVersion, false); e != nil {
			fd := rules.New(rules.DuplicateModule, f.Obj.Path,
				"interface %s.%d already present in the KLD '%s'!", m.Name, m.ModVersion, e.file.Name)
			fd.Symbol = m.Name
			l.inKernel(&fd, e.file, m.Name)
			return l.fail(f, fd)
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
	l.addModules(f)
	return nil
}

// addModules is linker_addmodules: each MODULE_VERSION of the file joins the
// kernel's list of modules. A version the file declares twice is a build
// error the kernel only prints ("module X already present!") before going
// on with the load.
func (l *Linker) addModules(f *File) {
	reported := map[string]bool{} // versions declared twice, said once
	for _, m := range f.Obj.Metadata {
		if m.Type != kobj.MDTVersion {
			continue
		}
		if e := l.lookupModule(m.Name, m.ModVersion, m.ModVersion, m.ModVersion, false); e != nil {
			if e.file == f && !reported[m.Name] {
				fd := rules.New(rules.DuplicateModule, f.Obj.Path,
					"module %s already present! (%s declares MODULE_VERSION(%s, %d) more than once; the kernel prints this, keeps the first and loads the file)",
					m.Name, f.Name, m.Name, m.ModVersion)
				fd.Severity, fd.Symbol = rules.Warning, m.Name
				l.report(fd)
				reported[m.Name] = true
			}
			continue
		}
		l.modules = append(l.modules, modEntry{m.Name, m.ModVersion, f})
	}
}

// registerModules is linker_file_register_modules with kern_module.c's
// module_register: every DECLARE_MODULE of a file just linked is
// registered by name; a name already registered (by another file, the
// kernel, or this file's own earlier record) fails with EEXIST and the
// kernel unloads the file.
func (l *Linker) registerModules(f *File) error {
	var fail *rules.Finding
	for _, m := range f.Obj.Metadata {
		if m.Type != kobj.MDTModule {
			continue
		}
		if g := l.registered[m.Name]; g != nil {
			if fail == nil {
				fd := rules.New(rules.DuplicateModule, f.Obj.Path,
					"module_register: cannot register %s from %s; already loaded from %s (Module %s failed to register: 17)",
					m.Name, f.Name, g.Name, m.Name)
				if g == f {
					fd.Message += fmt.Sprintf("; %s declares module %s more than once, so it can never load", f.Name, m.Name)
				}
				fd.Symbol = m.Name
				l.inKernel(&fd, g, m.Name)
				fail = &fd
			}
			continue
		}
		l.register(m.Name, f)
	}
	if fail != nil {
		return l.fail(f, *fail)
	}
	return nil
}

func (l *Linker) register(name string, f *File) {
	if l.registered == nil {
		l.registered = map[string]*File{}
	}
	l.registered[name] = f
}

// assumeModule records, without a kernel, a module depended on that no
// file of the module path provides: like a symbol the modules do not
// define, it is taken to be the kernel's (compiled in).
func (l *Linker) assumeModule(name string, by *File) {
	if l.AssumedModules == nil {
		l.AssumedModules = map[string]*Assumed{}
	}
	a := l.AssumedModules[name]
	if a == nil {
		a = &Assumed{}
		l.AssumedModules[name] = a
	}
	for _, n := range a.By {
		if n == by.Name {
			return
		}
	}
	a.By = append(a.By, by.Name)
}

// Assumed is a module depended on that, without a kernel, is taken to be
// compiled into the kernel.
type Assumed struct {
	By []string // the files depending on it
	// Failed names the file of the module path that provides it but could
	// not be loaded itself ("" when no file provides it).
	Failed string
}

// KernelDependencyNote words the kernel-dependency note for the modules
// taken to be compiled into the kernel, sorted; ok is false when there are
// none. scan gathers a whole tree's into one.
func KernelDependencyNote(assumed map[string]*Assumed) (rules.Finding, bool) {
	if len(assumed) == 0 {
		return rules.Finding{}, false
	}
	names := make([]string, 0, len(assumed))
	for n := range assumed {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		by := append([]string(nil), assumed[n].By...)
		sort.Strings(by)
		const shown = 3
		list := strings.Join(by[:min(len(by), shown)], ", ")
		if len(by) > shown {
			list += fmt.Sprintf(" and %d more", len(by)-shown)
		}
		parts[i] = fmt.Sprintf("%s (needed by %s)", n, list)
		if f := assumed[n].Failed; f != "" {
			parts[i] = fmt.Sprintf("%s (needed by %s; %s provides it but does not load itself)", n, list, f)
		}
	}
	fd := rules.New(rules.KernelDependency, "",
		"no kernel given, and no file in the module path provides %d module%s depended on, or none that loads: taken to be compiled into the kernel: %s",
		len(names), plural(len(names)), strings.Join(parts, "; "))
	return fd, true
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
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
	// Another version of the module loaded does not stop the search
	// (linker_load_module, kern_linker.c, 15): a file of the path providing
	// the version asked for is loaded beside it; the mismatch is reported
	// when no such file is found, or the file found is the one loaded.
	loadedVersion := func() (modEntry, bool) {
		for _, m := range l.modules {
			if m.name == d.Name {
				return m, true
			}
		}
		return modEntry{}, false
	}
	path, found := l.searchModule(d)
	if m, ok := loadedVersion(); ok && !found {
		return mismatch(m)
	}
	if !found && l.synthetic {
		l.assumeModule(d.Name, f)
		return nil
	}
	if !found {
		why := fmt.Sprintf("no %s.ko in %s", d.Name, l.pathString())
		if other := l.opts.ForeignProviders[d.Name]; other != "" {
			why += "; " + other + " declares " + d.Name + " but is not a module of this architecture (kldxref leaves it out of linker.hints)"
		}
		fd := rules.New(rules.MissingDependency, f.Obj.Path, "%s (%s)", msg, why)
		fd.Symbol = d.Name
		return l.fail(f, fd)
	}
	if g := l.fileByName(filepath.Base(path)); g != nil && g.Loaded {
		// linker_find_file_by_name: EEXIST, the file is loaded already
		// and did not provide the version.
		if m, ok := loadedVersion(); ok {
			return mismatch(m)
		}
	}
	if g := l.fileByName(filepath.Base(path)); g != nil && !g.Loaded {
		// linker_load_module: a file of that name is already being loaded
		// (EEXIST): the dependencies form a cycle.
		fd := rules.New(rules.DependencyCycle, f.Obj.Path, "%s (%s is still being loaded: dependency cycle %s)", msg, g.Name, l.loadingChain(g))
		fd.Symbol = d.Name
		return l.fail(f, fd)
	}
	if why, ok := l.opts.Refused[path]; ok && l.fileByName(filepath.Base(path)) == nil {
		if l.synthetic { // as for any dependency that does not load, below
			l.assumeModule(d.Name, f)
			l.AssumedModules[d.Name].Failed = filepath.Base(path)
			return nil
		}
		fd := rules.New(rules.MissingDependency, f.Obj.Path, "%s (%s %s)", msg, filepath.Base(path), why)
		fd.Symbol = d.Name
		return l.fail(f, fd)
	}
	dep, err := l.load(path, true)
	var ke *kobj.Error
	if errors.As(err, &ke) && !ke.Internal {
		// A file the kernel cannot even read as a module of its
		// architecture: link_elf refuses it (ENOEXEC), and the dependency
		// is not available.
		err = &LoadError{File: path, Msg: ke.Msg, Rule: rules.BadFile}
	}
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) && l.synthetic {
			// Without a kernel, the module may as well be compiled in (as
			// GENERIC has wlan, cam, ...): the file's own failure is
			// reported when it is checked, not again on every dependent.
			l.assumeModule(d.Name, f)
			l.AssumedModules[d.Name].Failed = filepath.Base(path)
			return nil
		}
		if errors.As(err, &le) {
			fd := rules.New(rules.MissingDependency, f.Obj.Path, "%s (loading %s failed: %s)", msg, filepath.Base(path), le.cause())
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

// searchModule finds the file providing d as linker_search_module does:
// directory by directory of the module path, the first to answer wins; in
// each, the linker.hints entry with the preferred version, else the highest
// in range; else NAME.ko (or NAME) in that directory (linker_hints_lookup's
// fallback).
func (l *Linker) searchModule(d kobj.Metadata) (string, bool) { return l.opts.searchModule(d) }

// SearchModule is the search the kernel makes for the file of a module
// depended on (d, a MODULE_DEPEND record), with the options' module path
// and hints: what a load of a dependent would find. scan uses it to order
// its checks and find cycles along the same edges the loads follow.
func (o *Options) SearchModule(d kobj.Metadata) (string, bool) {
	o.defaults()
	return o.searchModule(d)
}

func (o *Options) searchModule(d kobj.Metadata) (string, bool) {
	if p, ok := o.searchPath(d); ok || o.IndexDir == nil {
		return p, ok
	}
	// Not found: index the directories that have no linker.hints, as
	// kldxref(8) would on installation, and look again.
	indexed := false
	for _, dir := range o.ModulePath {
		if !o.indexed[dir] {
			o.indexed[dir] = true
			indexed = o.IndexDir(dir) || indexed
		}
	}
	if !indexed {
		return "", false
	}
	return o.searchPath(d)
}

func (o *Options) searchPath(d kobj.Metadata) (string, bool) {
	for _, dir := range o.ModulePath {
		if d.Max == 0 && d.Min == 0 && d.Preferred == 0 {
			// kldload of a module name: any version (verinfo NULL).
			if p, ok := o.Hints.lookupIn(dir, d.Name, 0, -1, 0); ok {
				return p, true
			}
		} else if p, ok := o.Hints.lookupIn(dir, d.Name, d.Min, d.Preferred, d.Max); ok {
			return p, true
		}
		if p, ok := o.lookupFile(dir, d.Name); ok {
			return p, true
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

// ModulePath returns the directories the linker searches for modules, in
// order.
func (l *Linker) ModulePath() []string { return append([]string(nil), l.opts.ModulePath...) }

// KernelPath returns the kernel file the linker booted, "" for the
// stand-in kernel.
func (l *Linker) KernelPath() string {
	if l.opts.Kernel == nil {
		return ""
	}
	return l.opts.Kernel.Path
}

func (l *Linker) pathString() string {
	if len(l.opts.ModulePath) == 0 {
		return "an empty module path"
	}
	return strings.Join(l.opts.ModulePath, ";")
}

// inKernel turns a refusal for a module the kernel itself provides into a
// note: the file is a loadable copy of what this kernel has compiled in
// (GENERIC's if_xl.ko, uhci.ko...), and kldload answers "module already
// loaded or in kernel" (EEXIST) with the module already there.
func (l *Linker) inKernel(fd *rules.Finding, owner *File, name string) {
	if owner == nil || owner != l.Kernel {
		return
	}
	fd.Severity = rules.Note
	fd.Message += fmt.Sprintf(" (%s is compiled into this kernel: kldload answers \"module already loaded or in kernel\" and the module is there already)", name)
}
