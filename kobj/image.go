package kobj

import (
	"bytes"
	"fmt"

	"github.com/kldcheck/kldcheck/arch"
)

// ReadUint reads an unrelocated n-byte integer (1, 2, 4 or 8) at image
// address a.
func (f *File) ReadUint(a uint64, n int) (uint64, error) {
	if n != 1 && n != 2 && n != 4 && n != 8 {
		return 0, f.errf("cannot read a %d-byte integer", n)
	}
	b, err := f.imageBytes(a, uint64(n))
	if err != nil {
		return 0, err
	}
	bo := f.Arch.ByteOrder()
	switch n {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(bo.Uint16(b)), nil
	case 4:
		return uint64(bo.Uint32(b)), nil
	}
	return bo.Uint64(b), nil
}

// ReadPointer reads the pointer stored at image address a as the kernel linker
// would leave it with the file loaded at base 0: when a relocation patches the
// place, its value is computed (B+A for RELATIVE, S+A or S for symbol
// relocations against symbols the file defines), as kldxref does to read module
// metadata (lib/libkldelf/ef_<arch>.c, elf_read_relocated_data). A symbol the
// file does not define reads as 0.
func (f *File) ReadPointer(a uint64) (uint64, error) {
	v, _, err := f.readPointer(a)
	return v, err
}

// readPointer is ReadPointer, also saying whether a relocation initialises
// the pointer. In an ET_REL module kobj lays the image out from address 0,
// so a relocated pointer may be 0 and still point at something (the first
// byte of the first section); only a stored 0 that no relocation patches is
// NULL.
func (f *File) readPointer(a uint64) (uint64, bool, error) {
	n := f.Arch.PtrSize
	stored, err := f.ReadUint(a, n)
	if err != nil {
		return 0, false, err
	}
	t, r, ok := f.relocAt(a)
	if !ok {
		return stored, false, nil
	}
	addend := r.Addend
	if !t.RELA {
		addend = int64(stored)
		if n == 4 {
			addend = int64(int32(stored))
		}
	}
	spec, _ := f.Arch.Lookup(r.Type)
	var sym uint64
	if syms := f.SymbolsOf(t); r.Sym != 0 && int(r.Sym) < len(syms) && syms[r.Sym].Defined() {
		sym = syms[r.Sym].Addr
	}
	var v uint64
	switch spec.Formula {
	case arch.Relative:
		v = uint64(addend)
	case arch.Abs:
		v = sym + uint64(addend)
	case arch.Sym:
		v = sym
	case arch.None:
		v = stored
	default:
		return 0, false, f.errf("pointer at %#x: relocation %s cannot initialise data", a, f.RelocString(t, r))
	}
	if n == 4 {
		v = uint64(uint32(v))
	}
	return v, spec.Formula != arch.None, nil
}

// ReadString reads a NUL-terminated string at image address a, at most max
// bytes long.
func (f *File) ReadString(a uint64, max int) (string, error) {
	s := f.sectionAt(a)
	if s == nil || !s.HasBits() {
		return "", f.errf("string at %#x is not in any section with contents", a)
	}
	data, err := f.Data(s)
	if err != nil {
		return "", err
	}
	b := data[a-s.Addr:]
	if len(b) > max {
		b = b[:max]
	}
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", f.errf("string at %#x in %s is not NUL-terminated within %d bytes", a, s.Name, len(b))
	}
	return string(b[:i]), nil
}

// imageBytes returns n bytes at image address a from the section holding them.
func (f *File) imageBytes(a, n uint64) ([]byte, error) {
	s := f.sectionAt(a)
	if s == nil {
		return nil, f.errf("address %#x is not in any loaded section", a)
	}
	if a-s.Addr+n > s.Size {
		return nil, f.errf("%d bytes at %#x run past the end of section %s", n, a, s.Name)
	}
	if !s.HasBits() {
		return make([]byte, n), nil // NOBITS reads as zeros
	}
	data, err := f.Data(s)
	if err != nil {
		return nil, err
	}
	return data[a-s.Addr : a-s.Addr+n], nil
}

// describe names the location of address a for messages: symbol+offset when a
// symbol covers it, else section+offset.
func (f *File) describe(a uint64) string {
	for _, tab := range [][]Symbol{f.Symbols, f.DynSymbols} {
		for i := range tab {
			s := &tab[i]
			if s.InSection() && s.Name != "" && a >= s.Addr && a < s.Addr+s.Size {
				return fmt.Sprintf("%s+%#x", s.Name, a-s.Addr)
			}
		}
	}
	if s := f.sectionAt(a); s != nil {
		return fmt.Sprintf("%s+%#x", s.Name, a-s.Addr)
	}
	return fmt.Sprintf("%#x", a)
}
