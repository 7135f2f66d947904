package kobj

import (
	"debug/elf"
	"fmt"
	"sort"
	"sync"
)

// Reloc is one relocation record.
type Reloc struct {
	// Offset is r_offset: in an ET_REL file, the offset in the target section;
	// in a dynamic table, the virtual address patched.
	Offset uint64
	Type   uint32
	Sym    uint32 // index in the table's symbol table
	// Addend is r_addend for RELA records; for REL records it is zero here and
	// the implicit addend is the value stored at the patched place.
	Addend int64
}

// RelocTable is one table of relocation records.
type RelocTable struct {
	// Name is the section name (.rela.text, .rel.dyn, ...), or DT_REL, DT_RELA or
	// DT_JMPREL for a table found only through the dynamic section.
	Name    string
	Section *Section // the SHT_REL/SHT_RELA section, nil for a dynamic-only table
	// Target is the section the records patch (sh_info) in an ET_REL file; nil
	// when records carry virtual addresses (kernels, ET_DYN modules).
	Target *Section
	RELA   bool
	// Dynamic is true when the symbol indices refer to .dynsym.
	Dynamic bool
	// PLT is true for the table DT_JMPREL names (.rela.plt, .rel.plt).
	PLT    bool
	Relocs []Reloc

	index placeIndex // by patched address, built on first RelocAt
}

// SymbolsOf returns the symbol table the records' indices refer to.
func (f *File) SymbolsOf(t *RelocTable) []Symbol {
	if t.Dynamic {
		return f.DynSymbols
	}
	return f.Symbols
}

// Place returns the address a relocation patches, in the image.
func (t *RelocTable) Place(r *Reloc) uint64 {
	if t.Target != nil {
		return t.Target.Addr + r.Offset
	}
	return r.Offset
}

// RelocCounts counts the relocation records of the file by type name.
func (f *File) RelocCounts() map[string]int {
	counts := make(map[string]int)
	for _, t := range f.RelocTables {
		for i := range t.Relocs {
			counts[f.Arch.RelocName(t.Relocs[i].Type)]++
		}
	}
	return counts
}

func (f *File) readRelocs() error {
	covered := make([][2]uint64, 0, 4) // address ranges of allocated relocation sections
	for _, s := range f.Sections {
		if s.Type != elf.SHT_REL && s.Type != elf.SHT_RELA {
			continue
		}
		t := &RelocTable{Name: s.Name, Section: s, RELA: s.Type == elf.SHT_RELA}
		if int(s.Link) < len(f.Sections) && f.Sections[s.Link].Type == elf.SHT_DYNSYM {
			t.Dynamic = true
		}
		if f.Type == elf.ET_REL {
			if s.Info == 0 || int(s.Info) >= len(f.Sections) {
				return f.errf("section %s: target section index %d out of range", s.Name, s.Info)
			}
			t.Target = f.Sections[s.Info]
		}
		data, err := f.Data(s)
		if err != nil {
			return err
		}
		if t.Relocs, err = f.decodeRelocs(s.Name, data, t.RELA, s.Entsize); err != nil {
			return err
		}
		if err := f.checkSymIndices(t); err != nil {
			return err
		}
		f.RelocTables = append(f.RelocTables, t)
		if s.Alloc() {
			covered = append(covered, [2]uint64{s.Addr, s.Addr + s.Size})
		}
	}
	if err := f.readDynamicRelocs(covered); err != nil {
		return err
	}
	if err := f.checkPlaces(); err != nil {
		return err
	}
	if f.Type != elf.ET_REL {
		if v, err := f.ef.DynValue(elf.DT_JMPREL); err == nil && len(v) > 0 {
			for _, t := range f.RelocTables {
				if t.Name == "DT_JMPREL" || t.Section != nil && t.Section.Alloc() && t.Section.Addr == v[0] {
					t.PLT = true
				}
			}
		}
	}
	return nil
}

// checkPlaces rejects a relocation that would patch bytes outside what the
// kernel linker maps: outside its target section in an ET_REL file
// (link_elf_obj.c adds r_offset to the section's base unchecked), outside
// every PT_LOAD segment in a shared object or kernel (link_elf.c adds it to
// relocbase). Either would make the kernel write outside the module.
func (f *File) checkPlaces() error {
	var loads []Segment
	for _, sg := range f.Segments {
		if sg.Type == elf.PT_LOAD {
			loads = append(loads, sg)
		}
	}
	for _, t := range f.RelocTables {
		applied := t.Target != nil && t.Target.Alloc() ||
			t.Target == nil && (t.Section == nil || t.Section.Alloc())
		if !applied {
			continue
		}
		for i := range t.Relocs {
			r := &t.Relocs[i]
			spec, _ := f.Arch.Lookup(r.Type)
			n := uint64(max(spec.Size, 1))
			if t.Target != nil {
				if r.Offset > t.Target.Size || n > t.Target.Size-r.Offset {
					return f.errf("%s: relocation %d patches %s+%#x, outside the section (%#x bytes): the kernel linker would write outside the module",
						t.Name, i, t.Target.Name, r.Offset, t.Target.Size)
				}
				continue
			}
			inside := false
			for _, sg := range loads {
				if r.Offset >= sg.Vaddr && r.Offset-sg.Vaddr < sg.Memsz && n <= sg.Memsz-(r.Offset-sg.Vaddr) {
					inside = true
					break
				}
			}
			if !inside {
				return f.errf("%s: relocation %d patches %#x, outside every PT_LOAD segment: the kernel linker would write outside the module",
					t.Name, i, r.Offset)
			}
		}
	}
	return nil
}

// readDynamicRelocs adds the tables the dynamic section names (DT_REL,
// DT_RELA, DT_JMPREL) when no relocation section covers them, as in a file
// whose section headers were stripped. link_elf.c finds relocations this way
// (parse_dynamic).
func (f *File) readDynamicRelocs(covered [][2]uint64) error {
	if f.Type == elf.ET_REL {
		return nil
	}
	tag := func(t elf.DynTag) (uint64, bool) {
		v, err := f.ef.DynValue(t)
		if err != nil || len(v) == 0 {
			return 0, false
		}
		return v[0], true
	}
	type dt struct {
		name         string
		addr, size   elf.DynTag
		rela         bool
		fromPLTRelTy bool
	}
	tables := []dt{
		{"DT_REL", elf.DT_REL, elf.DT_RELSZ, false, false},
		{"DT_RELA", elf.DT_RELA, elf.DT_RELASZ, true, false},
		{"DT_JMPREL", elf.DT_JMPREL, elf.DT_PLTRELSZ, false, true},
	}
	for _, d := range tables {
		addr, ok := tag(d.addr)
		if !ok {
			continue
		}
		size, _ := tag(d.size)
		rela := d.rela
		if d.fromPLTRelTy {
			pltrel, _ := tag(elf.DT_PLTREL)
			rela = elf.DynTag(pltrel) == elf.DT_RELA
		}
		if size == 0 || rangeCovered(covered, addr, size) {
			continue
		}
		off, ok := f.fileOffset(addr, size)
		if !ok {
			return f.errf("%s table at %#x (%d bytes) is not in any loaded segment", d.name, addr, size)
		}
		data, err := f.Bytes(off, size, d.name+" table")
		if err != nil {
			return err
		}
		t := &RelocTable{Name: d.name, RELA: rela, Dynamic: true}
		if t.Relocs, err = f.decodeRelocs(d.name, data, rela, 0); err != nil {
			return err
		}
		if err := f.checkSymIndices(t); err != nil {
			return err
		}
		f.RelocTables = append(f.RelocTables, t)
	}
	return nil
}

func rangeCovered(covered [][2]uint64, addr, size uint64) bool {
	for _, c := range covered {
		if addr >= c[0] && addr+size <= c[1] {
			return true
		}
	}
	return false
}

// fileOffset maps a virtual address range to a file offset through the
// PT_LOAD segments.
func (f *File) fileOffset(addr, size uint64) (uint64, bool) {
	for _, p := range f.ef.Progs {
		if p.Type == elf.PT_LOAD && addr >= p.Vaddr && addr-p.Vaddr < p.Filesz && size <= p.Filesz-(addr-p.Vaddr) {
			return p.Off + (addr - p.Vaddr), true
		}
	}
	return 0, false
}

// decodeRelocs decodes the records of one table by hand: debug/elf has no
// public relocation iterator, and decoding from the bytes avoids per-record
// reflection.
func (f *File) decodeRelocs(name string, data []byte, rela bool, entsize uint64) ([]Reloc, error) {
	bo := f.Arch.ByteOrder()
	is64 := f.Arch.Class == elf.ELFCLASS64
	var size uint64
	switch {
	case is64 && rela:
		size = 24
	case is64:
		size = 16
	case rela:
		size = 12
	default:
		size = 8
	}
	if entsize != 0 && entsize != size {
		return nil, f.errf("section %s: entry size %d, expected %d", name, entsize, size)
	}
	if uint64(len(data))%size != 0 {
		return nil, f.errf("section %s: size %d is not a multiple of the %d-byte entry", name, len(data), size)
	}
	out := make([]Reloc, len(data)/int(size))
	for i := range out {
		e := data[uint64(i)*size:]
		r := &out[i]
		if is64 {
			r.Offset = bo.Uint64(e)
			info := bo.Uint64(e[8:])
			r.Sym, r.Type = uint32(info>>32), uint32(info)
			if rela {
				r.Addend = int64(bo.Uint64(e[16:]))
			}
		} else {
			r.Offset = uint64(bo.Uint32(e))
			info := bo.Uint32(e[4:])
			r.Sym, r.Type = info>>8, info&0xff
			if rela {
				r.Addend = int64(int32(bo.Uint32(e[8:])))
			}
		}
	}
	return out, nil
}

func (f *File) checkSymIndices(t *RelocTable) error {
	n := uint32(len(f.SymbolsOf(t)))
	for i := range t.Relocs {
		if s := t.Relocs[i].Sym; s != 0 && s >= n {
			return f.errf("%s: relocation %d refers to symbol %d, but the symbol table has %d entries", t.Name, i, s, n)
		}
	}
	return nil
}

// placeIndex is a relocation table's records sorted by the address they
// patch, for bisection.
type placeIndex struct {
	once sync.Once
	at   []placeRef
}

type placeRef struct {
	place uint64
	index int
}

// RelocAt returns the relocation that patches address a in the image, if
// any (records of allocated sections only).
func (f *File) RelocAt(a uint64) (*RelocTable, *Reloc, bool) { return f.relocAt(a) }

// relocAt returns the relocation that patches address a in the image, if any;
// when several do, the last in table order. Only records of allocated targets
// count (debug sections do not). Each table is indexed on first use, and in
// an ET_REL file only the tables patching the section that holds a are, so
// reading a module's metadata does not index its code's relocations. The
// indexes are built once, so a parsed File may be read from several
// goroutines.
func (f *File) relocAt(a uint64) (*RelocTable, *Reloc, bool) {
	var (
		found *RelocTable
		at    int
	)
	for _, t := range f.RelocTables {
		if t.Target != nil && (!t.Target.Alloc() || !t.Target.Contains(a)) {
			continue
		}
		t.index.once.Do(func() {
			t.index.at = make([]placeRef, len(t.Relocs))
			for i := range t.Relocs {
				t.index.at[i] = placeRef{t.Place(&t.Relocs[i]), i}
			}
			sort.SliceStable(t.index.at, func(i, j int) bool { return t.index.at[i].place < t.index.at[j].place })
		})
		idx := t.index.at
		i := sort.Search(len(idx), func(i int) bool { return idx[i].place > a }) - 1
		if i >= 0 && idx[i].place == a {
			found, at = t, idx[i].index
		}
	}
	if found == nil {
		return nil, nil, false
	}
	return found, &found.Relocs[at], true
}

// RelocString describes a relocation for messages.
// RelocFields returns a record's place, type name and symbol name (empty for
// index 0), as RelocString spells them.
func (f *File) RelocFields(t *RelocTable, r *Reloc) (place uint64, typ, sym string) {
	if syms := f.SymbolsOf(t); int(r.Sym) < len(syms) && r.Sym != 0 {
		sym = syms[r.Sym].Name
	}
	return t.Place(r), f.Arch.RelocName(r.Type), sym
}

func (f *File) RelocString(t *RelocTable, r *Reloc) string {
	sym := ""
	if syms := f.SymbolsOf(t); int(r.Sym) < len(syms) && r.Sym != 0 {
		sym = " " + syms[r.Sym].Name
	}
	return fmt.Sprintf("%s at %#x%s%+d", f.Arch.RelocName(r.Type), t.Place(r), sym, r.Addend)
}
