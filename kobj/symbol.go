package kobj

import (
	"bytes"
	"debug/elf"
	"errors"
)

// Symbol is one entry of .symtab or .dynsym.
type Symbol struct {
	Name       string
	Value      uint64 // st_value as stored in the file
	Size       uint64
	Bind       elf.SymBind
	Type       elf.SymType
	Visibility elf.SymVis
	Section    elf.SectionIndex // st_shndx
	// Addr is the symbol's address in the image: Value for kernels and ET_DYN
	// modules; section address plus Value for defined symbols of an ET_REL
	// module (see Section.Addr).
	Addr uint64
}

// Defined reports whether the symbol is defined in this file.
func (s *Symbol) Defined() bool {
	return s.Section != elf.SHN_UNDEF && s.Section != elf.SHN_COMMON
}

// InSection reports whether the symbol is defined in an ordinary section.
func (s *Symbol) InSection() bool {
	return s.Section != elf.SHN_UNDEF && s.Section < elf.SHN_LORESERVE
}

func (f *File) readSymbols() error {
	var err error
	if f.Symbols, err = f.symbolTable(elf.SHT_SYMTAB, f.ef.Symbols); err != nil {
		return err
	}
	f.DynSymbols, err = f.symbolTable(elf.SHT_DYNSYM, f.ef.DynamicSymbols)
	return err
}

// symbolTable reads the first symbol table of type typ, putting the null
// symbol back at index 0 so that relocation symbol indices index the slice
// directly. Plain tables are decoded here from the bytes, as debug/elf does
// but without its intermediate []elf.Symbol (a module's parse spent a third of
// its time there); compressed tables, or any file with GNU symbol versions,
// go through read (debug/elf), so that its checks and errors stay the same.
func (f *File) symbolTable(typ elf.SectionType, read func() ([]elf.Symbol, error)) ([]Symbol, error) {
	data, strs, plain := f.plainSymbols(typ)
	if !plain {
		return f.convertSymbols(read)
	}
	size := 24
	if f.Arch.Class == elf.ELFCLASS32 {
		size = 16
	}
	switch {
	case len(data) == 0:
		return nil, nil // elf.ErrNoSymbols
	case len(data)%size != 0:
		return f.convertSymbols(read) // for debug/elf's own error
	}
	bo := f.Arch.ByteOrder()
	out := make([]Symbol, len(data)/size)
	for i := 1; i < len(out); i++ {
		e := data[i*size : (i+1)*size]
		var name uint32
		var info, other byte
		var shndx uint16
		s := &out[i]
		if size == 24 {
			name, info, other, shndx = bo.Uint32(e), e[4], e[5], bo.Uint16(e[6:])
			s.Value, s.Size = bo.Uint64(e[8:]), bo.Uint64(e[16:])
		} else {
			name, s.Value, s.Size = bo.Uint32(e), uint64(bo.Uint32(e[4:])), uint64(bo.Uint32(e[8:]))
			info, other, shndx = e[12], e[13], bo.Uint16(e[14:])
		}
		s.Name = cString(strs, name)
		s.Bind, s.Type, s.Visibility = elf.ST_BIND(info), elf.ST_TYPE(info), elf.ST_VISIBILITY(other)
		s.Section, s.Addr = elf.SectionIndex(shndx), s.Value
		if err := f.placeSymbol(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// plainSymbols returns the bytes of the first symbol table of type typ and of
// its string table, and whether decoding them here gives what debug/elf
// would: neither compressed, the link valid, no GNU version sections. No
// table at all is plain, with nil data.
func (f *File) plainSymbols(typ elf.SectionType) (data, strs []byte, plain bool) {
	var tab *Section
	for _, s := range f.Sections {
		switch s.Type {
		case elf.SHT_GNU_VERSYM, elf.SHT_GNU_VERNEED, elf.SHT_GNU_VERDEF:
			return nil, nil, false
		case typ:
			if tab == nil {
				tab = s
			}
		}
	}
	if tab == nil {
		return nil, nil, true
	}
	if tab.Flags&elf.SHF_COMPRESSED != 0 || tab.Link == 0 || int(tab.Link) >= len(f.Sections) {
		return nil, nil, false
	}
	st := f.Sections[tab.Link]
	if !st.HasBits() || st.Flags&elf.SHF_COMPRESSED != 0 {
		return nil, nil, false
	}
	data, err1 := f.Data(tab)
	strs, err2 := f.Data(st)
	return data, strs, err1 == nil && err2 == nil
}

// cString returns the NUL-terminated string at off in a string table, or ""
// when off is outside it or the string is unterminated (as debug/elf).
func cString(strs []byte, off uint32) string {
	if uint64(off) >= uint64(len(strs)) {
		return ""
	}
	n := bytes.IndexByte(strs[off:], 0)
	if n < 0 {
		return ""
	}
	return string(strs[off : off+uint32(n)])
}

// convertSymbols reads a table through debug/elf.
func (f *File) convertSymbols(read func() ([]elf.Symbol, error)) ([]Symbol, error) {
	syms, err := read()
	if errors.Is(err, elf.ErrNoSymbols) {
		return nil, nil
	}
	if err != nil {
		return nil, f.errf("reading symbols: %v", err)
	}
	out := make([]Symbol, len(syms)+1)
	for i, es := range syms {
		s := &out[i+1]
		*s = Symbol{
			Name: es.Name, Value: es.Value, Size: es.Size,
			Bind: elf.ST_BIND(es.Info), Type: elf.ST_TYPE(es.Info), Visibility: elf.ST_VISIBILITY(es.Other),
			Section: es.Section, Addr: es.Value,
		}
		if err := f.placeSymbol(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// placeSymbol gives a defined symbol of an ET_REL module its image address.
func (f *File) placeSymbol(s *Symbol) error {
	if f.Type == elf.ET_REL && s.InSection() {
		if int(s.Section) >= len(f.Sections) {
			return f.errf("symbol %q: section index %d out of range (%d sections)", s.Name, s.Section, len(f.Sections))
		}
		s.Addr = f.Sections[s.Section].Addr + s.Value
	}
	return nil
}

// Lookup returns the first defined symbol called name, searching .symtab then
// .dynsym.
func (f *File) Lookup(name string) (*Symbol, bool) {
	for _, dyn := range []bool{false, true} {
		tab := f.Symbols
		if dyn {
			tab = f.DynSymbols
		}
		var buf [2]int
		for _, i := range f.Named(dyn, name, buf[:0]) {
			if tab[i].Defined() {
				return &tab[i], true
			}
		}
	}
	return nil, false
}

// Named appends to buf the indices of the symbols called name in .dynsym
// (dyn) or .symtab, in table order, and returns it. The index behind it is
// built once per file: symbol lookups by name cost a map access, not a walk
// of the table; a caller's small buf keeps them free of allocation.
func (f *File) Named(dyn bool, name string, buf []int) []int {
	f.namesOnce.Do(func() {
		f.names = [2]nameIndex{newNameIndex(f.Symbols), newNameIndex(f.DynSymbols)}
	})
	ix := &f.names[0]
	if dyn {
		ix = &f.names[1]
	}
	first, ok := ix.first[name]
	if !ok {
		return buf
	}
	return append(append(buf, int(first)), ix.more[name]...)
}

// HasSymbol reports whether .symtab or .dynsym has a symbol called name,
// defined or not.
func (f *File) HasSymbol(name string) bool {
	for _, dyn := range []bool{false, true} {
		var buf [1]int
		if len(f.Named(dyn, name, buf[:0])) > 0 {
			return true
		}
	}
	return false
}

// nameIndex maps names to symbol indices: the first in a map of its own
// (most names are unique), later ones in a second map.
type nameIndex struct {
	first map[string]int32
	more  map[string][]int
}

func newNameIndex(tab []Symbol) nameIndex {
	ix := nameIndex{first: make(map[string]int32, len(tab))}
	for i := range tab {
		n := tab[i].Name
		if n == "" {
			continue
		}
		if _, dup := ix.first[n]; !dup {
			ix.first[n] = int32(i)
			continue
		}
		if ix.more == nil {
			ix.more = map[string][]int{}
		}
		ix.more[n] = append(ix.more[n], i)
	}
	return ix
}
