package linker

import (
	"debug/elf"
	"fmt"
	"path/filepath"

	"github.com/kldcheck/kldcheck/code"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

const elfREL = elf.ET_REL

// File is one loaded linker file (a linker_file_t): the kernel or a module.
type File struct {
	Obj  *kobj.File
	Name string // base name, as kldstat shows it
	// Address is where the file is loaded (ef->address: the relocation base
	// of a shared object, the start of an ET_REL module's mapping; 0 for the
	// kernel, whose symbols are absolute). Size is the mapping's size.
	Address, Size uint64
	// Deps are the files this one depends on, the kernel first, in the order
	// linker_load_dependencies added them.
	Deps []*File
	// Sets holds this file's set_pcpu/set_vnet as loaded.
	Sets map[vdata.Kind]*SetWindow
	// Refs lists every relocated value that designates a VNET or DPCPU
	// variable, with where it should point.
	Refs []Ref
	// PCRel lists the instructions that reach this file's own set_vnet or
	// set_pcpu PC-relatively, with no relocation (set-ref-pcrel).
	PCRel  []code.Access
	Loaded bool

	secAddr []uint64  // ET_REL: final address of each section (0: not loaded)
	mems    []*memory // the mapping, and module-space copies of sets
	// mapImage, until the image is first read or written, makes mems: a
	// dependency whose outcome is known (see Outcomes) is never mapped.
	mapImage func() []*memory
	// known is how this file's own relocation passes went in an earlier
	// load with the same dependencies; nil when they are run here.
	known *Outcome
	// refused is the pass that refused the load (with the finding it made),
	// or 0; linked says every pass ran.
	refused passStage
	refusal rules.Finding
	linked  bool
	// lookups remembers symbol resolutions by index: .symtab, .dynsym.
	lookups [2][]lookupResult
	l       *Linker
}

// SetWindow is a file's set_pcpu or set_vnet as the kernel linker handles it.
type SetWindow struct {
	Kind vdata.Kind
	// Section is the set's section in the file, nil when there is none.
	Section *kobj.Section
	// Start and Stop are the set's bounds in the loaded image (ET_DYN: the
	// __start_/__stop_ symbols link_elf.c looks up; ET_REL: the section).
	Start, Stop uint64
	// Base is the address allocated in module space; Size the bytes
	// allocated for (and copied to) it.
	Base, Size uint64
	Allocated  bool
}

// Translate applies the window to x as elf_relocaddr does: an address in
// [Start, Stop) moves to module space.
func (w *SetWindow) Translate(x uint64) (uint64, bool) {
	if w != nil && w.Allocated && x >= w.Start && x < w.Stop {
		return x - w.Start + w.Base, true
	}
	return x, false
}

// symAddr returns the loaded address of symbol s of this file (defined).
func (f *File) symAddr(s *kobj.Symbol) uint64 {
	switch {
	case f.Obj.Type == elf.ET_REL && s.InSection():
		return f.secAddr[s.Section] + s.Value
	case s.Section == elf.SHN_ABS || f.Obj.Kind == kobj.Kernel:
		return s.Value
	}
	return f.Address + s.Value
}

// lookupSymbol finds a symbol by name in this file only, under the
// profile's leak_locals setting (see LookupSymbol).
func (f *File) lookupSymbol(name string) (*kobj.Symbol, bool) {
	return LookupSymbol(f.Obj, name, VisibilityOf(f.l.Profile))
}

// Visibility is what a lookup by name may find, from the profile: local
// symbols (leak_locals), and the full table of a shared object without
// DT_HASH.
type Visibility struct{ LeakLocals, HashlessFullScan bool }

// VisibilityOf returns the lookup rules of a profile's kernel.
func VisibilityOf(p *profile.Profile) Visibility {
	return Visibility{LeakLocals: p.LeakLocals, HashlessFullScan: p.HashlessFullScan}
}

// LookupSymbol finds a symbol by name in one file as the class's
// LINKER_LOOKUP_SYMBOL does: link_elf.c searches .dynsym (through its hash
// table), then with leak_locals the full symbol table; link_elf_obj.c scans
// its symbol table, matching locals only with leak_locals (sys/kern/link_elf.c
// link_elf_lookup_symbol1/link_elf_lookup_debug_symbol, link_elf_obj.c
// link_elf_lookup_symbol1, FreeBSD 14). It is the linker's one rule for what
// a file offers other files.
func LookupSymbol(obj *kobj.File, name string, v Visibility) (*kobj.Symbol, bool) {
	var buf [2]int
	leak := v.LeakLocals
	match := func(s *kobj.Symbol, locals bool) bool { return s.Name == name && offered(s, locals) }
	if obj.Type != elf.ET_REL && !obj.HasHash {
		// "link_elf_lookup_symbol: missing symbol hash table"; with
		// leak_locals, 13.x and later scan the full table all the same.
		if !leak || !v.HashlessFullScan {
			return nil, false
		}
	} else if obj.Type != elf.ET_REL {
		for _, i := range obj.Named(true, name, buf[:0]) {
			if s := &obj.DynSymbols[i]; match(s, false) {
				return s, true
			}
		}
		if !leak {
			return nil, false
		}
	}
	for _, i := range obj.Named(false, name, buf[:0]) {
		if s := &obj.Symbols[i]; match(s, leak) {
			return s, true
		}
	}
	return nil, false
}

// offered reports whether a lookup accepts an entry of the name it looks
// for: not local unless locals, and defined, or an undefined function with
// an address (a PLT entry's).
func offered(s *kobj.Symbol, locals bool) bool {
	if s.Bind == elf.STB_LOCAL && !locals {
		return false
	}
	return s.Section != elf.SHN_UNDEF || (s.Value != 0 && (s.Type == elf.STT_FUNC || s.Type == elf.STT_GNU_IFUNC))
}

// resolve looks name up as linker_file_lookup_symbol does (sys/kern/
// kern_linker.c): in the file itself, then with deps in each direct
// dependency (not transitively). It returns the address and the file and
// symbol that define it.
func (f *File) resolve(name string, deps bool) (uint64, *File, *kobj.Symbol, bool) {
	if name == "__this_linker_file" {
		// linuxkpi's THIS_MODULE: the linker_file_t itself, NULL for the kernel.
		return f.Address | 1, nil, nil, f.Obj.Kind != kobj.Kernel
	}
	if s, ok := f.lookupSymbol(name); ok {
		if a := f.symAddr(s); a != 0 {
			return a, f, s, true
		}
	}
	if deps {
		for _, d := range f.Deps {
			if a, owner, s, ok := d.resolve(name, false); ok {
				return a, owner, s, true
			}
		}
	}
	if f.l.synthetic && deps && f.l.Kernel == nil {
		if owner := f.definedElsewhere(name); owner != "" {
			f.l.shadow(f, owner, name)
		}
		return f.l.syntheticSymbol(name), nil, nil, true
	}
	return 0, nil, nil, false
}

// setOf returns the set (of this file, as linked) whose section holds the
// image address a.
func (f *File) setOf(a uint64) (vdata.Kind, *SetWindow, bool) {
	for _, k := range vdata.Kinds {
		if w := f.Sets[k]; w != nil && w.Section != nil && w.Section.Contains(a) {
			return k, w, true
		}
	}
	return 0, nil, false
}

// variableAt names the set variable covering image address a.
func (f *File) variableAt(k vdata.Kind, a uint64) string {
	set := f.Obj.Set(k.SetName())
	if set == nil {
		return fmt.Sprintf("%#x", a)
	}
	off := a - set.Addr()
	best := ""
	for _, s := range set.Symbols {
		if off >= s.Offset && (off < s.Offset+s.Size || off == s.Offset) {
			if off == s.Offset {
				return s.Name
			}
			best = fmt.Sprintf("%s+%#x", s.Name, off-s.Offset)
		}
	}
	if best == "" {
		best = fmt.Sprintf("%s+%#x", k.SetName(), off)
	}
	return best
}

// relocaddr is elf_relocaddr (sys/kern/link_elf.c): an address inside this
// file's own set_pcpu or set_vnet window moves to its module space; pcpu is
// tried first.
func (f *File) relocaddr(x uint64) uint64 {
	for _, k := range vdata.Kinds {
		if v, ok := f.Sets[k].Translate(x); ok {
			return v
		}
	}
	return x
}

// location names where address a (as loaded) lies in the file: function or
// object+offset, else section+offset.
func (f *File) location(a uint64) string {
	name, off, _ := f.place(a)
	if name == "" {
		return fmt.Sprintf("%#x", a)
	}
	return fmt.Sprintf("%s+%#x", name, off)
}

// place finds the symbol (a function preferred) or else the section holding
// loaded address a, the offset in it, and a's link address in the file.
func (f *File) place(a uint64) (name string, off, link uint64) {
	la := f.linkAddr(a)
	var best *kobj.Symbol
	for _, tab := range [][]kobj.Symbol{f.Obj.Symbols, f.Obj.DynSymbols} {
		for i := range tab {
			s := &tab[i]
			if !s.InSection() || s.Name == "" || s.Name[0] == '$' || s.Type == elf.STT_SECTION {
				continue
			}
			if la >= s.Addr && (la < s.Addr+s.Size || s.Size == 0 && la == s.Addr) {
				if best == nil || s.Type == elf.STT_FUNC && best.Type != elf.STT_FUNC {
					best = s
				}
			}
		}
	}
	if best != nil {
		return best.Name, la - best.Addr, la
	}
	for _, s := range f.Obj.Sections {
		if s.Alloc() && s.Contains(la) {
			return s.Name, la - s.Addr, la
		}
	}
	return "", 0, la
}

// locate fills a finding's location fields for loaded address a.
func (f *File) locate(fd *rules.Finding, a uint64) {
	name, off, link := f.place(a)
	fd.Location = f.location(a)
	fd.Func, fd.Offset, fd.Addr, fd.HasAddr = name, off, link, true
	for _, s := range f.Obj.Sections {
		if s.Alloc() && s.Contains(link) {
			fd.InCode = s.Flags&elf.SHF_EXECINSTR != 0
			break
		}
	}
}

// linkAddr maps a loaded address back to the file's own (kobj) addresses.
func (f *File) linkAddr(a uint64) uint64 {
	if f.Obj.Type != elf.ET_REL {
		return a - f.Address
	}
	for i, s := range f.Obj.Sections {
		if base := f.secAddr[i]; base != 0 && a >= base && a-base < s.Size {
			return s.Addr + (a - base)
		}
	}
	return a
}

// read and write access the file's loaded image (mapping and module-space
// copies).
func (f *File) read(a uint64, n int) (uint64, bool) {
	for _, m := range f.image() {
		if v, ok := m.read(a, n); ok {
			return v, true
		}
	}
	return 0, false
}

func (f *File) write(a uint64, n int, v uint64) bool {
	for _, m := range f.image() {
		if m.write(a, n, v) {
			return true
		}
	}
	return false
}

// image returns the file's memories, mapping them at the first access.
func (f *File) image() []*memory {
	if f.mapImage != nil {
		f.mems, f.mapImage = f.mapImage(), nil
	}
	return f.mems
}

func hexAddr(v uint64) string { return fmt.Sprintf("%#x", v) }

// definer names the first module other than f defining name: among the
// files the user named or the tree scanned (Options.DefinedElsewhere, an
// answer independent of load order; path is then that file's), else among
// the files loaded.
func (f *File) definer(name string) (base, path string) {
	if de := f.l.opts.DefinedElsewhere; de != nil {
		if p := de(name); p != "" && p != f.Obj.Path {
			return filepath.Base(p), p
		}
	}
	for _, g := range f.l.Files {
		if g == f || g.Obj.Kind == kobj.Kernel {
			continue
		}
		if s, ok := g.lookupSymbol(name); ok && s.Defined() {
			return g.Name, ""
		}
	}
	return "", ""
}

// definedElsewhere names a module other than f and its dependencies that
// defines name, or "": without a kernel such a symbol is still taken to be
// the kernel's (GENERIC compiles in many a module's code), but the report
// says which module defines it.
func (f *File) definedElsewhere(name string) string {
	base, path := f.definer(name)
	if path != "" {
		if g, err := f.l.opts.Open(path); err == nil && f.dependsOn(g) {
			return "" // another build of a module f does depend on
		}
	}
	return base
}

// dependsOn reports whether f declares a MODULE_DEPEND on a module g
// provides.
func (f *File) dependsOn(g *kobj.File) bool {
	for _, d := range f.Obj.Depends() {
		for _, m := range g.Metadata {
			if m.Type == kobj.MDTVersion && m.Name == d.Name {
				return true
			}
		}
	}
	return false
}
