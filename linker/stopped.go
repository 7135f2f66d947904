package linker

import (
	"debug/elf"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

// checkStopped reports, for a file whose load the kernel refuses, what can
// still be known from the file itself: the hazards in its code (a relaxed
// reference to its own set needs no dependency to be seen) and the
// relocation types its architecture's kernel linker would reject, then a
// note that the load stopped. The kernel stops at the first error; a user
// fixing that one needs to know about the others.
//
// linked says the class loader had finished (the refusal came from module
// registration): every relocation was applied and checked then.
func (l *Linker) checkStopped(f *File, stop *LoadError, linked bool) error {
	if stop.Rule == rules.UnsupportedFormat {
		return nil // not a module of this architecture's layout: nothing to read
	}
	if f.Sets == nil {
		f.Sets = map[vdata.Kind]*SetWindow{}
	}
	for _, k := range vdata.Kinds {
		// Sets the load did not reach (a failure before parse_vnet): known
		// from the file, without module space.
		if set := f.Obj.Set(k.SetName()); set != nil && f.Sets[k] == nil {
			f.Sets[k] = &SetWindow{Kind: k, Section: set.Section}
		}
	}
	before := len(l.Findings)
	if err := l.checkCode(f); err != nil {
		return err
	}
	if !linked && stop.Rule != rules.UnsupportedRelocation {
		l.rejectedRelocations(f)
	}
	found := ""
	if n := len(l.Findings) - before; n > 0 {
		found = fmt.Sprintf(" (%d finding%s above)", n, plural(n))
	}
	msg := fmt.Sprintf("the load of %s stops at its %s error; its code and relocation types were still checked%s, "+
		"but relocations against other files and the checks of the references they produce did not run", f.Name, stop.Rule, found)
	if linked {
		msg = fmt.Sprintf("the load of %s stops at its %s error, after the file was linked and its relocations checked; its code was still checked%s",
			f.Name, stop.Rule, found)
	}
	fd := rules.New(rules.LoadStopped, f.Obj.Path, "%s", msg)
	l.report(fd)
	return nil
}

// rejectedRelocations reports each relocation type of the file that this
// profile's kernel linker rejects, once per type, without applying any.
func (l *Linker) rejectedRelocations(f *File) {
	seen := map[uint32]bool{}
	tables := dynTables(f.Obj) // what link_elf applies
	if f.Obj.Type == elf.ET_REL {
		tables = nil
		for _, t := range f.Obj.RelocTables {
			if t.Target != nil && isProgtab(t.Target, f.Obj.Arch) {
				tables = append(tables, t)
			}
		}
	}
	for _, t := range tables {
		for i := range t.Relocs {
			r := &t.Relocs[i]
			if seen[r.Type] {
				continue
			}
			spec, ok := f.supported(r.Type)
			if ok {
				continue
			}
			seen[r.Type] = true
			fd := rules.New(rules.UnsupportedRelocation, f.Obj.Path,
				"relocation type %d (%s), symbol %s: this kernel linker rejects it (\"%s\"); the load stopped before reaching it",
				r.Type, f.Obj.Arch.RelocName(r.Type), f.symName(t, r.Sym), f.unexpected(r, spec))
			fd.Symbol = f.symName(t, r.Sym)
			f.setReloc(&fd, t, r)
			fd.Location = relocPlace(f.Obj, t, r)
			l.report(fd)
		}
	}
}

// relocPlace names where a record patches, in the file's own addresses.
func relocPlace(o *kobj.File, t *kobj.RelocTable, r *kobj.Reloc) string {
	if o.Type == elf.ET_REL && t.Target != nil {
		return fmt.Sprintf("%s+%#x", t.Target.Name, r.Offset)
	}
	return fmt.Sprintf("%#x", r.Offset)
}

// shadow records that f's symbol name, taken to be the kernel's, is
// defined by module file owner, on which f does not depend.
func (l *Linker) shadow(f *File, owner, name string) {
	if l.Shadowed == nil {
		l.Shadowed = map[string]map[string][]string{}
	}
	m := l.Shadowed[f.Obj.Path]
	if m == nil {
		m = map[string][]string{}
		l.Shadowed[f.Obj.Path] = m
	}
	m[owner] = append(m[owner], name)
}

// reportShadowed words one note per file and defining module: without a
// kernel, kldcheck cannot tell an undeclared dependency (an error on a
// kernel without that code) from a symbol the kernel also has.
func (l *Linker) reportShadowed() {
	files := make([]string, 0, len(l.Shadowed))
	for p := range l.Shadowed {
		files = append(files, p)
	}
	sort.Strings(files)
	for _, p := range files {
		owners := make([]string, 0, len(l.Shadowed[p]))
		for o := range l.Shadowed[p] {
			owners = append(owners, o)
		}
		sort.Strings(owners)
		for _, o := range owners {
			syms := slices.Compact(slices.Sorted(slices.Values(l.Shadowed[p][o])))
			fd := rules.New(rules.UndeclaredDependency, p,
				"%s uses %s, defined in %s, which it does not MODULE_DEPEND on; without a kernel this is taken to be the kernel's own "+
					"(GENERIC compiles much of such code in); with --kernel, kldcheck tells whether the load fails (\"link_elf: symbol %s undefined\")",
				filepath.Base(p), strings.Join(syms, ", "), o, syms[0])
			fd.Severity, fd.Symbol, fd.Owner = rules.Note, syms[0], o
			l.report(fd)
		}
	}
}
