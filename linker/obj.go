package linker

import (
	"debug/elf"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

// loadObj loads a relocatable module as link_elf_obj.c's link_elf_load_file
// does (sys/kern/link_elf_obj.c, FreeBSD 14): every allocated PROGBITS,
// NOBITS, INIT_ARRAY, FINI_ARRAY (and on amd64 X86_64_UNWIND) section is laid
// out in header order, each aligned, except set_pcpu and set_vnet, which get
// their memory from dpcpu_alloc and vnet_data_alloc. Symbol values become the
// sections' final addresses, so a module's set variables are at their master
// addresses for every file that looks them up. Relocations against local
// symbols are applied first, then dependencies are loaded, then the rest.
func (l *Linker) loadObj(f *File) error {
	o := f.Obj
	f.Address = l.nextBase
	f.Sets = map[vdata.Kind]*SetWindow{}
	f.secAddr = make([]uint64, len(o.Sections))
	cursor := f.Address
	var progtab []*kobj.Section
	for _, s := range o.Sections {
		if !isProgtab(s, o.Arch) {
			continue
		}
		progtab = append(progtab, s)
		if k, ok := setKind(s.Name); ok && l.Spaces[k] != nil {
			base, ok := l.Spaces[k].Alloc(f.Name, s.Size)
			if !ok {
				return l.noSpace(f, k, "link_elf_load_file", s.Size, "%#x")
			}
			f.secAddr[s.Index] = base
			f.Sets[k] = &SetWindow{Kind: k, Section: s, Start: base, Stop: base + s.Size, Base: base, Size: s.Size, Allocated: true}
			continue
		}
		if al := s.Addralign; al > 1 {
			// link_elf_obj.c rounds the mapping up with sh_addralign - 1
			// as a mask: beyond a few pages it wraps or maps nonsense.
			if al&(al-1) != 0 || al > maxAlign {
				return l.fail(f, rules.New(rules.UnsupportedFormat, o.Path,
					"kldload: %s: section %s asks for %#x-byte alignment, which the kernel linker cannot honour (not a power of two, or over %#x)", f.Name, s.Name, al, uint64(maxAlign)))
			}
			cursor = alignUp(cursor, al)
		}
		f.secAddr[s.Index] = cursor
		cursor += s.Size
	}
	if len(progtab) == 0 {
		return l.fail(f, rules.New(rules.UnsupportedFormat, o.Path, "kldload: %s: file has no contents", f.Name))
	}
	f.Size = cursor - f.Address
	l.nextBase = alignUp(cursor, 2<<20)
	bo := o.Arch.ByteOrder()
	if err := checkImage(f.Size, o.Size()); err != nil {
		return &kobj.Error{Path: o.Path, Msg: err.Error()}
	}
	for _, w := range f.Sets {
		if err := checkImage(w.Size, o.Size()); err != nil {
			return &kobj.Error{Path: o.Path, Msg: err.Error()}
		}
	}
	contents := make([][]byte, len(progtab))
	for i, s := range progtab {
		if s.Type == elf.SHT_NOBITS {
			continue
		}
		data, err := o.Data(s)
		if err != nil {
			return err
		}
		contents[i] = data
	}
	f.mapImage = func() []*memory {
		f.mems = []*memory{newMemory(f.Address, f.Size, bo)}
		for _, w := range f.Sets {
			f.mems = append(f.mems, newMemory(w.Base, w.Size, bo))
		}
		for i, s := range progtab {
			f.writeBytes(f.secAddr[s.Index], contents[i])
		}
		return f.mems
	}
	// link_elf_reloc_local, then the dependencies, then relocate_file.
	return l.link(f, func() error { return l.relocateObj(f, true) }, func() error { return l.relocateObj(f, false) })
}

func (f *File) writeBytes(a uint64, data []byte) {
	for _, m := range f.mems {
		if b, ok := m.slice(a, uint64(len(data))); ok {
			copy(b, data)
			return
		}
	}
}

// isProgtab says whether link_elf_obj.c gives a section memory.
// maxAlign is the largest section alignment kldcheck lays out: a superpage.
const maxAlign = 2 << 20

func isProgtab(s *kobj.Section, a *arch.Arch) bool {
	if !s.Alloc() || s.Size == 0 {
		return false
	}
	switch s.Type {
	case elf.SHT_PROGBITS, elf.SHT_NOBITS, elf.SHT_INIT_ARRAY, elf.SHT_FINI_ARRAY:
		return true
	case shtX8664Unwind:
		return a.Machine == elf.EM_X86_64
	}
	return false
}

func setKind(name string) (vdata.Kind, bool) {
	for _, k := range vdata.Kinds {
		if name == k.SetName() {
			return k, true
		}
	}
	return 0, false
}

// relocateObj applies the records of every table whose target section was
// loaded: with local true only those whose symbol is STB_LOCAL
// (link_elf_reloc_local), else the others (relocate_file).
func (l *Linker) relocateObj(f *File, local bool) error {
	o := f.Obj
	// One pass in table order; the ifunc records, applied after all the
	// others, are set aside on the way (rare: a few per kernel).
	type pending struct {
		t *kobj.RelocTable
		i int
	}
	var ifuncs []pending
	apply := func(t *kobj.RelocTable, i int, base uint64) error {
		r := &t.Relocs[i]
		sym := &o.Symbols[r.Sym]
		rc, ok := f.prepare(t, r, base+r.Offset, base)
		if !ok {
			if local && !f.l.Profile.ObjLocalRelocFails {
				// link_elf_reloc_local ignores elf_reloc_local's result.
				f.unsupportedIgnored(rc)
				return nil
			}
			return f.unsupported(rc, "link_elf_obj", local)
		}
		if rc.spec.Formula == arch.Relative || rc.spec.Formula == arch.IRelative || rc.spec.Formula == arch.None {
			f.compute(rc, target{})
			return nil
		}
		s, err := f.remembered(false, len(o.Symbols), r.Sym, func() (target, error) { return f.objLookup(r.Sym) })
		if err != nil {
			return f.undefined(rc, sym.Name, "link_elf_obj", err)
		}
		if err := f.branchFails(rc, s, "link_elf_obj"); err != nil {
			return err
		}
		f.compute(rc, s)
		return nil
	}
	for _, t := range o.RelocTables {
		if t.Target == nil || f.secAddr[t.Target.Index] == 0 {
			continue // relocations of sections not loaded (debug info)
		}
		base := f.secAddr[t.Target.Index]
		for i := range t.Relocs {
			r := &t.Relocs[i]
			if int(r.Sym) >= len(o.Symbols) {
				continue
			}
			sym := &o.Symbols[r.Sym]
			if (sym.Bind == elf.STB_LOCAL) != local {
				continue
			}
			if spec, _ := o.Arch.Lookup(r.Type); sym.Type == elf.STT_GNU_IFUNC || spec.Formula == arch.IRelative {
				ifuncs = append(ifuncs, pending{t, i})
				continue
			}
			if err := apply(t, i, base); err != nil {
				return err
			}
		}
	}
	for _, p := range ifuncs {
		if err := apply(p.t, p.i, f.secAddr[p.t.Target.Index]); err != nil {
			return err
		}
	}
	return nil
}

// objLookup is link_elf_obj.c's elf_obj_lookup: a defined symbol is its final
// address; an undefined global or weak one is looked up by name (an undefined
// weak one may resolve to 0); the __start_/__stop_ symbols of a loaded set
// section are bound to its bounds (link_elf_fix_link_set).
func (f *File) objLookup(idx uint32) (target, error) {
	sym := &f.Obj.Symbols[idx]
	if sym.Section != elf.SHN_UNDEF {
		return target{addr: f.symAddr(sym), owner: f, sym: sym, name: sym.Name}, nil
	}
	if sym.Bind == elf.STB_LOCAL || sym.Name == "" {
		return target{}, errUnresolved{name: sym.Name}
	}
	if sym.Bind == elf.STB_WEAK && !f.l.Profile.WeakUndefinedZero {
		// "link_elf_obj: Weak symbols not supported": no lookup at all.
		return target{}, errUnresolved{name: sym.Name, why: weakRefused}
	}
	for _, pfx := range []string{"__start_", "__stop_"} {
		if len(sym.Name) > len(pfx) && sym.Name[:len(pfx)] == pfx {
			if s := f.Obj.SectionByName(sym.Name[len(pfx):]); s != nil && f.secAddr[s.Index] != 0 {
				a := f.secAddr[s.Index]
				if pfx == "__stop_" {
					a += s.Size
				}
				return target{addr: a, name: sym.Name}, nil
			}
		}
	}
	addr, owner, def, ok := f.resolve(sym.Name, true)
	if !ok {
		if sym.Bind == elf.STB_WEAK {
			return target{name: sym.Name}, nil
		}
		return target{}, errUnresolved{name: sym.Name}
	}
	return target{addr: addr, owner: owner, sym: def, name: sym.Name}, nil
}

// shtX8664Unwind is SHT_X86_64_UNWIND (sys/sys/elf_common.h), which debug/elf
// does not name.
const shtX8664Unwind = elf.SectionType(0x70000001)
