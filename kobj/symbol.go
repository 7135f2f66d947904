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
		for _, i := range f.Named(dyn, name) {
			if tab[i].Defined() {
				return &tab[i], true
			}
		}
	}
	return nil, false
}

// Named returns the indices of the symbols called name in .dynsym (dyn) or
// .symtab, in table order, from an index built once per file: symbol lookups
// by name cost a map access, not a walk of the table.
func (f *File) Named(dyn bool, name string) []int {
	f.namesOnce.Do(func() {
		f.names = [2]map[string][]int{index(f.Symbols), index(f.DynSymbols)}
	})
	if dyn {
		return f.names[1][name]
	}
	return f.names[0][name]
}

func index(tab []Symbol) map[string][]int {
	m := make(map[string][]int, len(tab))
	for i := range tab {
		if n := tab[i].Name; n != "" {
			m[n] = append(m[n], i)
		}
	}
	return m
}
