package kobj

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"io"
)

// elfHeader holds the ELF header fields that locate the header tables.
type elfHeader struct {
	bo                   binary.ByteOrder
	is64                 bool
	phoff, shoff         uint64
	phentsize, phnum     uint64
	shentsize, shnum     uint64
	shstrndx             uint64
	wantPhent, wantShent uint64
}

// readHeader decodes the ELF header; checkIdent has made sure it is there.
func (f *File) readHeader() elfHeader {
	d := f.data
	h := elfHeader{bo: binary.ByteOrder(binary.LittleEndian)}
	if elf.Data(d[elf.EI_DATA]) == elf.ELFDATA2MSB {
		h.bo = binary.BigEndian
	}
	u16 := func(off int) uint64 { return uint64(h.bo.Uint16(d[off:])) }
	if elf.Class(d[elf.EI_CLASS]) == elf.ELFCLASS64 {
		h.is64 = true
		h.phoff, h.shoff = h.bo.Uint64(d[32:]), h.bo.Uint64(d[40:])
		h.phentsize, h.phnum, h.shentsize, h.shnum, h.shstrndx = u16(54), u16(56), u16(58), u16(60), u16(62)
		h.wantPhent, h.wantShent = 56, 64
	} else {
		h.phoff, h.shoff = uint64(h.bo.Uint32(d[28:])), uint64(h.bo.Uint32(d[32:]))
		h.phentsize, h.phnum, h.shentsize, h.shnum, h.shstrndx = u16(42), u16(44), u16(46), u16(48), u16(50)
		h.wantPhent, h.wantShent = 32, 40
	}
	return h
}

// checkTables checks, before debug/elf reads them, that the program and
// section header tables and the section-name string table lie inside the
// file and have entries of the size the class gives, so that a damaged
// count or a truncation is reported as what it is rather than as
// debug/elf's bare "EOF".
func (f *File) checkTables() error {
	h := f.readHeader()
	size := uint64(len(f.data))
	past := func(what string, off, n, ent uint64) error {
		if off > size || n*ent > size-off {
			if n == 1 {
				return f.errf("%s at %#x + %d bytes runs past the end of the %d-byte file", what, off, ent, size)
			}
			return f.errf("%s at %#x + %d x %d bytes runs past the end of the %d-byte file", what, off, n, ent, size)
		}
		return nil
	}
	if h.phnum > 0 {
		if h.phentsize < h.wantPhent {
			return f.errf("program header entries of %d bytes (e_phentsize), fewer than the %d of this ELF class (%d entries)", h.phentsize, h.wantPhent, h.phnum)
		}
		if err := past("program header table", h.phoff, h.phnum, h.phentsize); err != nil {
			return err
		}
	}
	if h.shoff == 0 {
		return nil
	}
	if h.shentsize < h.wantShent {
		return f.errf("section header entries of %d bytes (e_shentsize), fewer than the %d of this ELF class (%d entries)", h.shentsize, h.wantShent, h.shnum)
	}
	if h.shnum > 0 {
		if err := past("section header table", h.shoff, h.shnum, h.shentsize); err != nil {
			return err
		}
	}
	// With extended numbering section 0 holds the count (sh_size) and the
	// name table's index (sh_link).
	if err := past("section header 0 (extended numbering: e_shnum is 0)", h.shoff, 1, h.shentsize); err != nil {
		return err
	}
	sh := func(i uint64) (typ uint32, off, sz, link uint64) {
		b := f.data[h.shoff+i*h.shentsize:]
		if h.is64 {
			return h.bo.Uint32(b[4:]), h.bo.Uint64(b[24:]), h.bo.Uint64(b[32:]), uint64(h.bo.Uint32(b[40:]))
		}
		return h.bo.Uint32(b[4:]), uint64(h.bo.Uint32(b[16:])), uint64(h.bo.Uint32(b[20:])), uint64(h.bo.Uint32(b[24:]))
	}
	n, strndx := h.shnum, h.shstrndx
	_, _, sz0, link0 := sh(0)
	if n == 0 {
		n = sz0
	}
	if strndx == uint64(elf.SHN_XINDEX) {
		strndx = link0
	}
	if err := past("section header table", h.shoff, n, h.shentsize); err != nil {
		return err
	}
	if strndx == 0 || strndx >= n {
		return nil // debug/elf names the bad index itself
	}
	if typ, off, sz, _ := sh(strndx); elf.SectionType(typ) != elf.SHT_NOBITS && sz > 0 {
		if off > size || sz > size-off {
			return f.errf("section-name string table (section %d) at %#x + %d bytes runs past the end of the %d-byte file", strndx, off, sz, size)
		}
	}
	return nil
}

// isEOF reports an error of a read that ran out of bytes.
func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
