package kobj

import (
	"debug/elf"
	"sort"
)

// Section is one section of the file.
type Section struct {
	Index int
	Name  string
	Type  elf.SectionType
	Flags elf.SectionFlag
	// Addr is the section's address: sh_addr in kernels and ET_DYN modules; in
	// ET_REL modules, its offset in the image that Layout assigns.
	Addr   uint64
	Offset uint64
	// Size is the section's size; for an SHF_COMPRESSED section (compressed
	// DWARF) the size once decompressed, FileSize the bytes in the file.
	Size      uint64
	FileSize  uint64
	Link      uint32
	Info      uint32
	Addralign uint64
	Entsize   uint64
}

// Alloc reports whether the section occupies memory when loaded.
func (s *Section) Alloc() bool { return s.Flags&elf.SHF_ALLOC != 0 }

// HasBits reports whether the section has contents in the file.
func (s *Section) HasBits() bool { return s.Type != elf.SHT_NOBITS && s.Type != elf.SHT_NULL }

// Contains reports whether address a lies in the section's memory.
func (s *Section) Contains(a uint64) bool { return a >= s.Addr && a-s.Addr < s.Size }

// SectionByName returns the first section called name, or nil.
func (f *File) SectionByName(name string) *Section {
	for _, s := range f.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Data returns the bytes of a section that has bits in the file (for an
// SHF_COMPRESSED section, its compressed bytes, header included).
func (f *File) Data(s *Section) ([]byte, error) {
	if !s.HasBits() {
		return nil, nil
	}
	n := s.Size
	if s.Flags&elf.SHF_COMPRESSED != 0 {
		n = s.FileSize
	}
	return f.Bytes(s.Offset, n, "section "+s.Name)
}

func (f *File) readSections() error {
	f.Sections = make([]*Section, len(f.ef.Sections))
	for i, es := range f.ef.Sections {
		s := &Section{
			Index: i, Name: es.Name, Type: es.Type, Flags: es.Flags,
			Addr: es.Addr, Offset: es.Offset, Size: es.Size, FileSize: es.FileSize, Link: es.Link, Info: es.Info,
			Addralign: es.Addralign, Entsize: es.Entsize,
		}
		if s.HasBits() && s.Type != elf.SHT_NOBITS {
			if _, err := f.Data(s); err != nil {
				return err
			}
		}
		f.Sections[i] = s
		if s.Type == elf.SHT_HASH {
			f.HasHash = true
		}
	}
	if f.ef.Type == elf.ET_REL {
		f.layoutRelocatable()
	} else if v, err := f.ef.DynValue(elf.DT_HASH); err == nil && len(v) > 0 {
		f.HasHash = true
	}
	for _, p := range f.ef.Progs {
		seg := Segment{Type: p.Type, Off: p.Off, Vaddr: p.Vaddr, Filesz: p.Filesz, Memsz: p.Memsz, Align: p.Align}
		if p.Type == elf.PT_LOAD {
			if _, err := f.Bytes(p.Off, p.Filesz, "PT_LOAD segment"); err != nil {
				return err
			}
			if p.Memsz < p.Filesz {
				return f.errf("PT_LOAD segment at %#x: memory size %#x below file size %#x", p.Vaddr, p.Memsz, p.Filesz)
			}
		}
		f.Segments = append(f.Segments, seg)
	}
	return nil
}

// layoutRelocatable gives the allocated sections of an ET_REL module the
// addresses they would have in one image: in section-header order, each aligned
// to its sh_addralign, starting at 0. This is the order link_elf_obj.c
// (sys/kern/link_elf_obj.c, FreeBSD 14) places progbits and nobits sections in,
// and how kldxref's ef_obj.c (lib/libkldelf/ef_obj.c) reads such files; the
// kernel linker itself moves set_vnet and set_pcpu to module space, which the
// load simulation models, not this reader.
func (f *File) layoutRelocatable() {
	var addr uint64
	for _, s := range f.Sections {
		if !s.Alloc() || s.Size == 0 {
			continue
		}
		if al := s.Addralign; al > 1 && al <= 1<<16 {
			addr = (addr + al - 1) &^ (al - 1)
		}
		s.Addr = addr
		addr += s.Size
	}
}

// sectionAt returns the allocated section whose memory holds address a,
// preferring one with bits in the file.
func (f *File) sectionAt(a uint64) *Section {
	var found *Section
	for _, s := range f.Sections {
		if s.Alloc() && s.Contains(a) {
			if s.Type != elf.SHT_NOBITS {
				return s
			}
			found = s
		}
	}
	return found
}

// allocatedSections returns the allocated sections sorted by address.
func (f *File) allocatedSections() []*Section {
	var out []*Section
	for _, s := range f.Sections {
		if s.Alloc() && s.Size > 0 {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}
