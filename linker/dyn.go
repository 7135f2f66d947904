package linker

import (
	"debug/elf"
	"fmt"
	"slices"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

// pageSize is PAGE_SIZE, 4096 on every architecture kldcheck reads.
const pageSize = 4096

// i386 set padding word appended by sys/conf/ldscript.kmod.i386 (LS_PADDING
// in sys/kern/link_elf.c).
const lsPadding uint64 = 0x90909090

// loadDyn loads a shared-object module as link_elf_load_file does
// (sys/kern/link_elf.c, FreeBSD 14): map the PT_LOAD segments as one image,
// give set_pcpu and set_vnet module space, apply the RELATIVE records
// (elf_reloc_local), load the dependencies, then apply every other record
// (relocate_file: non-ifunc, then ifunc).
func (l *Linker) loadDyn(f *File) error {
	o := f.Obj
	var loads []kobj.Segment
	hasDynamic := false
	for _, s := range o.Segments {
		switch s.Type {
		case elf.PT_LOAD:
			loads = append(loads, s)
		case elf.PT_DYNAMIC:
			hasDynamic = true
		case elf.PT_INTERP:
			return l.fail(f, rules.New(rules.UnsupportedFormat, o.Path, "kldload: %s: has an interpreter (PT_INTERP): not a kernel module (ENOSYS)", f.Name))
		}
	}
	switch {
	case len(loads) > 4:
		return l.fail(f, rules.New(rules.UnsupportedFormat, o.Path, "kldload: %s: Too many sections", f.Name))
	case !hasDynamic:
		return l.fail(f, rules.New(rules.UnsupportedFormat, o.Path, "kldload: %s: Object is not dynamically-linked", f.Name))
	case len(loads) == 0:
		return l.fail(f, rules.New(rules.UnsupportedFormat, o.Path, "kldload: %s: No sections", f.Name))
	}
	baseVaddr := loads[0].Vaddr &^ (pageSize - 1)
	last := loads[len(loads)-1]
	mapsize := alignUp(last.Vaddr+last.Memsz, pageSize) - baseVaddr
	f.Address, f.Size = l.nextBase, mapsize
	l.nextBase = alignUp(l.nextBase+mapsize, 2<<20)
	if err := checkImage(mapsize, o.Size()); err != nil {
		return &kobj.Error{Path: o.Path, Msg: err.Error()}
	}
	// The kernel maps mapsize bytes and copies each segment in; kldcheck
	// keeps one memory per segment (the gaps lld leaves between them hold
	// nothing a relocation may patch), so a module is not zero-filled at
	// several times its size.
	segs := make([][]byte, len(loads))
	for i, s := range loads {
		data, err := o.Bytes(s.Off, s.Filesz, "PT_LOAD segment")
		if err != nil {
			return err
		}
		if s.Vaddr < baseVaddr || s.Vaddr-baseVaddr > mapsize || max(s.Memsz, s.Filesz) > mapsize-(s.Vaddr-baseVaddr) {
			return &kobj.Error{Path: o.Path, Msg: fmt.Sprintf("PT_LOAD segment at %#x lies outside the mapping [%#x, %#x)", s.Vaddr, baseVaddr, baseVaddr+mapsize)}
		}
		segs[i] = data
	}
	f.mapImage = func() []*memory {
		mems := make([]*memory, len(loads))
		for i, s := range loads {
			mems[i] = newMemory(f.Address+s.Vaddr-baseVaddr, max(s.Memsz, s.Filesz), o.Arch.ByteOrder())
			copy(mems[i].data, segs[i])
		}
		return mems
	}
	f.Sets = map[vdata.Kind]*SetWindow{}
	if !o.HasHash {
		fd := rules.New(rules.MissingHashTable, o.Path,
			"%s has no SysV symbol hash table (DT_HASH): link_elf.c prints \"link_elf_lookup_symbol: missing symbol hash table\", finds neither its sets nor its metadata, and elf_lookup rejects every symbol index (nchains is 0), so the first symbol-based relocation fails the load",
			f.Name)
		l.report(fd)
	}
	for _, k := range vdata.Kinds {
		if err := l.parseSet(f, k); err != nil {
			return err
		}
	}
	tables := dynTables(o)
	// link_elf_reloc_local: DT_REL and DT_RELA only, RELATIVE records; then
	// the dependencies; then relocate_file: REL, RELA, then the PLT tables,
	// non-ifunc records first.
	local := func() error {
		for _, t := range tables {
			if t.PLT {
				continue
			}
			for i := range t.Relocs {
				r := &t.Relocs[i]
				rc, ok := f.prepare(t, r, f.Address+r.Offset, f.Address)
				if ok && rc.spec.Formula == arch.Relative {
					f.compute(rc, target{})
				}
			}
		}
		return nil
	}
	global := func() error {
		for _, ifuncs := range []bool{false, true} {
			for _, t := range tables {
				for i := range t.Relocs {
					if err := l.globalDyn(f, t, &t.Relocs[i], ifuncs); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return l.link(f, local, global)
}

// dynTables returns the tables link_elf.c applies, in its order: DT_REL,
// DT_RELA, then the PLT table.
func dynTables(o *kobj.File) []*kobj.RelocTable {
	var plain, plt []*kobj.RelocTable
	for _, t := range o.RelocTables {
		if !t.Dynamic || t.Section != nil && !t.Section.Alloc() {
			continue
		}
		if t.PLT {
			plt = append(plt, t)
		} else {
			plain = append(plain, t)
		}
	}
	return append(plain, plt...)
}

func (l *Linker) globalDyn(f *File, t *kobj.RelocTable, r *kobj.Reloc, ifuncs bool) error {
	rc, ok := f.prepare(t, r, f.Address+r.Offset, f.Address)
	isIfunc := rc.spec.Formula == arch.IRelative
	if syms := f.Obj.SymbolsOf(t); int(r.Sym) < len(syms) && syms[r.Sym].Type == elf.STT_GNU_IFUNC {
		isIfunc = true
	}
	if isIfunc != ifuncs {
		return nil
	}
	if !ok {
		return f.unsupported(rc, "link_elf", false)
	}
	switch rc.spec.Formula {
	case arch.None, arch.Relative:
		return nil // RELATIVE was applied by the local pass
	case arch.IRelative:
		f.compute(rc, target{})
		return nil
	}
	syms := f.Obj.SymbolsOf(t)
	dyn := len(syms) > 0 && len(f.Obj.DynSymbols) > 0 && &syms[0] == &f.Obj.DynSymbols[0]
	s, err := f.remembered(dyn, len(syms), r.Sym, func() (target, error) { return f.elfLookup(t, r.Sym) })
	if err != nil && slices.Contains(f.Obj.Arch.LookupIgnored, r.Type) {
		// The kernel goes on; the slot keeps what it held.
		name := f.symName(t, r.Sym)
		fd := rules.New(rules.UnresolvedSlot, f.Obj.Path, "%s for %s: symbol %s undefined, but the load goes on with the slot unset",
			f.Obj.Arch.RelocName(r.Type), name, name)
		fd.Symbol = name
		f.setReloc(&fd, t, r)
		f.locate(&fd, rc.place)
		f.l.report(fd)
		return nil
	}
	if err != nil {
		return f.undefined(rc, f.symName(t, r.Sym), "link_elf", err)
	}
	if err := f.branchFails(rc, s, "link_elf"); err != nil {
		return err
	}
	f.compute(rc, s)
	return nil
}

// elfLookup resolves a record's symbol as link_elf.c's elf_lookup does: a
// local symbol is this file's address plus value, untranslated; any other is
// looked up by name in the file and its dependencies, and (with the 2011
// fix) moved to module space when it lies in any loaded module's set.
func (f *File) elfLookup(t *kobj.RelocTable, idx uint32) (target, error) {
	syms := f.Obj.SymbolsOf(t)
	if idx == 0 {
		return target{}, errUnresolved{name: "(null)", why: noSymbol}
	}
	if int(idx) >= len(syms) {
		return target{}, errUnresolved{name: "(null)"}
	}
	sym := &syms[idx]
	if !f.Obj.HasHash {
		// symidx >= nchains: without DT_HASH nchains is 0.
		return target{}, errUnresolved{name: sym.Name, why: noHash}
	}
	if sym.Bind == elf.STB_LOCAL {
		if sym.Section == elf.SHN_UNDEF || sym.Value == 0 {
			return target{}, errUnresolved{name: sym.Name}
		}
		return target{addr: f.Address + sym.Value, owner: f, sym: sym, name: sym.Name}, nil
	}
	if sym.Name == "" {
		return target{}, errUnresolved{name: sym.Name}
	}
	addr, owner, def, ok := f.resolve(sym.Name, true)
	if !ok {
		if sym.Bind == elf.STB_WEAK {
			if f.l.Profile.WeakUndefinedZero {
				return target{name: sym.Name}, nil
			}
			// elf_lookup gives 0; the MD code fails a zero address.
			return target{}, errUnresolved{name: sym.Name, why: weakZero}
		}
		return target{}, errUnresolved{name: sym.Name}
	}
	if f.l.Profile.CrossModuleSets {
		addr = f.l.setFind(addr)
	}
	return target{addr: addr, owner: owner, sym: def, name: sym.Name}, nil
}

// setFind is elf_set_find over set_pcpu_list, then set_vnet_list: the sets of
// every loaded shared-object module, including the one being loaded.
func (l *Linker) setFind(addr uint64) uint64 {
	for _, k := range vdata.Kinds {
		for _, g := range l.Files {
			if g.Obj.Type != elf.ET_DYN {
				continue
			}
			if v, ok := g.Sets[k].Translate(addr); ok {
				return v
			}
		}
	}
	return addr
}

// parseSet is parse_dpcpu/parse_vnet: find the set through its __start_ and
// __stop_ symbols in this file, allocate module space and register the
// window. A module whose set section has no such symbols is reported.
func (l *Linker) parseSet(f *File, k vdata.Kind) error {
	o := f.Obj
	set := o.Set(k.SetName())
	sp := l.Spaces[k]
	if sp == nil {
		return nil // no VIMAGE: parse_vnet is not compiled in
	}
	if !o.HasHash {
		// link_elf_lookup_set finds nothing while the file loads, whatever
		// the release: the full table is not read yet (missing-hash-table).
		return nil
	}
	start, ok1 := f.lookupSymbol("__start_" + k.SetName())
	stop, ok2 := f.lookupSymbol("__stop_" + k.SetName())
	if !ok1 || !ok2 || start.Value == 0 || stop.Value == 0 {
		if set != nil && set.Size() > 0 {
			fd := rules.New(rules.SetBoundsMissing, o.Path,
				"%s has a %d-byte %s section, but link_elf cannot find __start_%s/__stop_%s: its variables are never copied to module space",
				f.Name, set.Size(), k.SetName(), k.SetName(), k.SetName())
			fd.Symbol = k.SetName()
			l.report(fd)
			f.Sets[k] = &SetWindow{Kind: k, Section: set.Section}
		}
		return nil
	}
	w := &SetWindow{Kind: k, Start: f.Address + start.Value, Stop: f.Address + stop.Value}
	if set != nil {
		w.Section = set.Section
	}
	f.Sets[k] = w
	if w.Stop < w.Start {
		fd := rules.New(rules.SetPadding, o.Path,
			"Kernel module '%s' must be recompiled with linker script: __stop_%s (%#x) lies before __start_%s (%#x)",
			f.Obj.Path, k.SetName(), w.Stop, k.SetName(), w.Start)
		fd.Symbol = k.SetName()
		return l.fail(f, fd)
	}
	size := w.Stop - w.Start
	if l.Profile.SetSizeInPointers {
		ptr := uint64(o.Arch.PtrSize)
		size = size / ptr * ptr
	}
	if size < 1 {
		return nil
	}
	if l.Profile.I386SetPadding && o.Arch.Name == "i386" {
		if size < 4 {
			fd := rules.New(rules.SetPadding, o.Path,
				"Kernel module '%s' must be recompiled with linker script: its %s is %d bytes, too small to end in the 4-byte padding word %#x that sys/conf/ldscript.kmod.i386 appends",
				f.Obj.Path, k.SetName(), size, lsPadding)
			fd.Symbol = k.SetName()
			return l.fail(f, fd)
		}
		if pad, _ := f.read(w.Stop-4, 4); pad != lsPadding {
			fd := rules.New(rules.SetPadding, o.Path,
				"Kernel module '%s' must be recompiled with linker script, invalid padding %s (%s): the last word of %s should be the padding word %#x that sys/conf/ldscript.kmod.i386 appends, and is %#x",
				f.Obj.Path, cAltHex04(pad), cAltHex04(lsPadding), k.SetName(), lsPadding, pad)
			fd.Symbol = k.SetName()
			return l.fail(f, fd)
		}
		if size == 4 {
			return nil
		}
	}
	base, ok := sp.Alloc(f.Name, size)
	if !ok {
		return l.noSpace(f, k, "parse_"+map[vdata.Kind]string{vdata.DPCPU: "dpcpu", vdata.VNET: "vnet"}[k], size, "%d")
	}
	w.Base, w.Size, w.Allocated = base, size, true
	return nil
}

// noSpace reports module space running out, in the kernel's words.
func (l *Linker) noSpace(f *File, k vdata.Kind, fn string, size uint64, sizeFmt string) error {
	name := map[vdata.Kind]string{vdata.DPCPU: "pcpu", vdata.VNET: "vnet"}[k]
	free := l.Spaces[k].LargestFree()
	msg := fmt.Sprintf("kldload: %s: ENOSPC (No space left on device): %s needs "+sizeFmt+" bytes of %s module space, "+sizeFmt+" are free",
		f.Name, k.SetName(), size, k, free)
	if l.Profile.ReportsNoSpace {
		// The kernel's words, then kldcheck's, in the base the kernel
		// prints the size in (link_elf_obj.c: hex, link_elf.c: decimal).
		msg = fmt.Sprintf("%s: %s module space is out of space; cannot allocate "+sizeFmt+" for %s ("+sizeFmt+" bytes of %s module space free)",
			fn, name, size, f.Obj.Path, free, k)
	}
	fd := rules.New(rules.ModspaceExhausted, f.Obj.Path, "%s", msg)
	fd.Set = k.SetName()
	return l.fail(f, fd)
}

// cAltHex04 formats v as C's printf("%#04x") does: unlike Go's, C's
// alternate form adds no 0x to a zero.
func cAltHex04(v uint64) string {
	if v == 0 {
		return "0000"
	}
	return fmt.Sprintf("%#04x", v)
}
