package srcline

// Finding and reading the file that holds a module's DWARF: the module
// itself, or the separate debug file its .gnu_debuglink names, and placing
// an ET_REL module's sections at the addresses kobj gives them.

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kldcheck/kldcheck/internal/regfile"
	"github.com/kldcheck/kldcheck/kobj"
)

func hasDebugInfo(mod *kobj.File) bool {
	for _, s := range mod.Sections {
		if (s.Name == ".debug_info" || s.Name == ".zdebug_info") && s.HasBits() && s.Size > 0 {
			return true
		}
	}
	return false
}

// candidates lists the places the debug file may be, in search order,
// without duplicates and without the module itself.
//
// The link is taken as a base name only, as the places searched are fixed
// (beside the module, and under each debug directory by the module's
// directory or alone): a link of "../../x" or "/dev/zero" names x or zero
// there, never a path of its own.
func candidates(mod *kobj.File, debugDirs []string) []string {
	link := filepath.Base(mod.DebugLink)
	if link == "." || link == ".." || link == string(filepath.Separator) || strings.ContainsRune(link, 0) {
		return nil
	}
	dir := filepath.Dir(mod.Path)
	dirs := []string{}
	if abs, err := filepath.Abs(dir); err == nil {
		dirs = append(dirs, abs)
		if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
			dirs = append(dirs, real)
		}
	}
	var out []string
	seen := map[string]bool{}
	if self, err := filepath.Abs(mod.Path); err == nil {
		seen[self] = true
	}
	add := func(p string) {
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	add(filepath.Join(dir, link))
	for _, dd := range debugDirs {
		for _, d := range dirs {
			add(filepath.Join(dd, d, link))
		}
	}
	for _, dd := range debugDirs {
		add(filepath.Join(dd, link))
	}
	return out
}

// readFile returns the contents of path, nil when there is no such file (or
// it is a directory), or an error naming it.
func readFile(path string) ([]byte, error) {
	if st, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) || err == nil && st.IsDir() {
		return nil, nil
	}
	data, err := regfile.Read(path, kobj.MaxFileSize)
	if err != nil {
		return nil, fileErr(path, err)
	}
	return data, nil
}

func fileErr(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &kobj.Error{Path: path, Msg: err.Error()}
}

// load builds the table from the DWARF of data, the contents of the module
// (path == mod.Path) or of its debug file. It returns (nil, nil) when a debug
// file does not belong to mod or has no .debug_info.
func load(mod *kobj.File, path string, data []byte) (t *Table, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, &kobj.Error{Path: path, Msg: fmt.Sprintf("malformed DWARF (%v)", r)}
		}
	}()
	bad := func(what string, err error) error {
		return &kobj.Error{Path: path, Msg: fmt.Sprintf("%s: %v", what, err)}
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, bad("malformed ELF file", err)
	}
	if path != mod.Path && !sameKind(mod, ef) {
		return nil, nil // not this module's debug file
	}
	if info := ef.Section(".debug_info"); info == nil || info.Type == elf.SHT_NOBITS {
		if z := ef.Section(".zdebug_info"); z == nil || z.Type == elf.SHT_NOBITS {
			return nil, nil
		}
	}
	if ef.Type == elf.ET_REL {
		if patched, ok := placeSymbols(mod, ef, data); ok {
			if ef, err = elf.NewFile(bytes.NewReader(patched)); err != nil {
				return nil, bad("malformed ELF file", err)
			}
		}
	}
	if err := checkInflation(ef, data); err != nil {
		return nil, bad("compressed DWARF", err)
	}
	d, err := ef.DWARF()
	if err != nil {
		return nil, bad("malformed DWARF", err)
	}
	t = &Table{Path: path}
	if err := t.build(d, sectionSize(ef, "info"), sectionSize(ef, "line")); err != nil {
		return nil, bad("malformed DWARF", err)
	}
	return t, nil
}

// sameKind reports whether ef has mod's ELF class, byte order, machine and
// type, as its debug file must.
func sameKind(mod *kobj.File, ef *elf.File) bool {
	if ef.Type != mod.Type {
		return false
	}
	a := mod.Arch
	return a == nil || ef.Class == a.Class && ef.Data == a.Data && ef.Machine == a.Machine
}

// placeSymbols returns a copy of the ET_REL file data whose .symtab gives
// every symbol defined in an allocated section the address kobj's layout
// gives it in mod: the section's kobj address plus the symbol's value. The
// file's sections are matched to mod's by name and rank among sections of
// that name (the same sections when data is mod's own contents; for a debug
// file made by objcopy --only-keep-debug, the same headers). ok is false when
// the file has no usable .symtab.
func placeSymbols(mod *kobj.File, ef *elf.File, data []byte) ([]byte, bool) {
	type key struct {
		name string
		rank int
	}
	modAddr := map[key]uint64{}
	rank := map[string]int{}
	for _, s := range mod.Sections {
		if s.Alloc() {
			modAddr[key{s.Name, rank[s.Name]}] = s.Addr
		}
		rank[s.Name]++
	}
	// addr[i] is the kobj address of ef's section i; placed[i] says whether
	// it has one.
	addr := make([]uint64, len(ef.Sections))
	placed := make([]bool, len(ef.Sections))
	clear(rank)
	for i, s := range ef.Sections {
		k := key{s.Name, rank[s.Name]}
		rank[s.Name]++
		if a, ok := modAddr[k]; ok && s.Flags&elf.SHF_ALLOC != 0 {
			addr[i], placed[i] = a, true
		}
	}
	var symtab *elf.Section
	for _, s := range ef.Sections {
		if s.Type == elf.SHT_SYMTAB {
			symtab = s
			break
		}
	}
	if symtab == nil || symtab.Flags&elf.SHF_COMPRESSED != 0 {
		return nil, false
	}
	entSize, valueOff, valueSize, shndxOff := uint64(elf.Sym32Size), uint64(4), 4, uint64(14)
	if ef.Class == elf.ELFCLASS64 {
		entSize, valueOff, valueSize, shndxOff = elf.Sym64Size, 8, 8, 6
	}
	if symtab.Offset > uint64(len(data)) || symtab.Size > uint64(len(data))-symtab.Offset || symtab.Size%entSize != 0 {
		return nil, false
	}
	out := bytes.Clone(data)
	tab := out[symtab.Offset : symtab.Offset+symtab.Size]
	bo := ef.ByteOrder
	for off := entSize; off+entSize <= uint64(len(tab)); off += entSize { // entry 0 is the null symbol
		e := tab[off : off+entSize]
		shndx := int(bo.Uint16(e[shndxOff:]))
		if shndx == int(elf.SHN_UNDEF) || shndx >= int(elf.SHN_LORESERVE) || shndx >= len(placed) || !placed[shndx] {
			continue
		}
		if valueSize == 8 {
			bo.PutUint64(e[valueOff:], bo.Uint64(e[valueOff:])+addr[shndx])
		} else {
			bo.PutUint32(e[valueOff:], bo.Uint32(e[valueOff:])+uint32(addr[shndx]))
		}
	}
	return out, true
}

// sectionSize returns the (uncompressed) size of .debug_<name> or
// .zdebug_<name>, 0 when there is none. debug/elf sets the uncompressed size
// of a .zdebug section once it has been read, as DWARF() does.
func sectionSize(ef *elf.File, name string) uint64 {
	for _, n := range []string{".debug_" + name, ".zdebug_" + name} {
		if s := ef.Section(n); s != nil {
			return s.Size
		}
	}
	return 0
}

// MaxDWARFBytes caps what the debug sections of one file may inflate to, and
// dwarfRatio ties the cap to the file's size: compressed DWARF shrinks by 3
// to 10 times, so a claim beyond 100 times the file (or the cap) is a
// decompression bomb, refused before anything is inflated.
const (
	MaxDWARFBytes = 512 << 20
	dwarfRatio    = 100
	dwarfFloor    = 64 << 20
)

// checkInflation adds up the sizes the debug sections of ef claim once
// decompressed (SHF_COMPRESSED: the Chdr's ch_size, which debug/elf gives
// as Size; .zdebug_*: the "ZLIB" header's big-endian size) and refuses
// them over the bound. debug/elf inflates no more than these claims.
func checkInflation(ef *elf.File, data []byte) error {
	limit := uint64(min(max(dwarfRatio*len(data), dwarfFloor), MaxDWARFBytes))
	var total uint64
	for _, s := range ef.Sections {
		if s.Type == elf.SHT_NOBITS {
			continue
		}
		var n uint64
		switch {
		case strings.HasPrefix(s.Name, ".zdebug_"):
			off := s.Offset
			if off > uint64(len(data)) || uint64(len(data))-off < 12 || string(data[off:off+4]) != "ZLIB" {
				continue // debug/elf reads it as is
			}
			n = binary.BigEndian.Uint64(data[off+4 : off+12])
		case strings.HasPrefix(s.Name, ".debug_") && s.Flags&elf.SHF_COMPRESSED != 0:
			n = s.Size
		default:
			continue
		}
		if n > limit || total+n > limit {
			return fmt.Errorf("section %s claims %d bytes once decompressed, more than the %d kldcheck inflates for a %d-byte file: read without source lines", s.Name, n, limit, len(data))
		}
		total += n
	}
	return nil
}
