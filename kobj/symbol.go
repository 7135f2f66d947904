package kobj

import (
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
	if f.Symbols, err = f.symbolTable(f.ef.Symbols); err != nil {
		return err
	}
	f.DynSymbols, err = f.symbolTable(f.ef.DynamicSymbols)
	return err
}

// symbolTable converts a debug/elf symbol table, putting the null symbol back
// at index 0 so that relocation symbol indices index the slice directly.
func (f *File) symbolTable(read func() ([]elf.Symbol, error)) ([]Symbol, error) {
	syms, err := read()
	if errors.Is(err, elf.ErrNoSymbols) {
		return nil, nil
	}
	if err != nil {
		return nil, f.errf("reading symbols: %v", err)
	}
	out := make([]Symbol, len(syms)+1)
	for i, es := range syms {
		s := Symbol{
			Name: es.Name, Value: es.Value, Size: es.Size,
			Bind: elf.ST_BIND(es.Info), Type: elf.ST_TYPE(es.Info), Visibility: elf.ST_VISIBILITY(es.Other),
			Section: es.Section, Addr: es.Value,
		}
		if f.Type == elf.ET_REL && s.InSection() {
			if int(s.Section) >= len(f.Sections) {
				return nil, f.errf("symbol %q: section index %d out of range (%d sections)", s.Name, s.Section, len(f.Sections))
			}
			s.Addr = f.Sections[s.Section].Addr + s.Value
		}
		out[i+1] = s
	}
	return out, nil
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
