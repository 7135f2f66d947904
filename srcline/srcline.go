// Package srcline maps addresses in a FreeBSD module to source file:line
// through DWARF.
//
// [Open] reads the DWARF of a module opened by kobj, from the module itself
// when it has a .debug_info section, else from the separate debug file its
// .gnu_debuglink names (searched as described at [Open]), and builds sorted
// line and function tables once; [Table.Line] and [Table.Function] are then
// binary searches. DWARF is decoded by Go's debug/dwarf through debug/elf,
// inside a recover (debug/dwarf has known panics on malformed input).
//
// # Addresses
//
// Addresses are the ones kobj uses. For kernels and ET_DYN modules those are
// the link addresses, which DWARF holds directly. For ET_REL modules (amd64)
// kobj lays the allocated sections out in header order from 0, as
// link_elf_obj.c does, while DWARF holds addresses only as relocations
// (.rela.debug_info, .rela.debug_line, ...) against symbols, mostly section
// symbols. debug/elf applies R_X86_64_64 and R_X86_64_32 (and the absolute
// types of the other machines it knows) as symbol value + addend, and a
// symbol's value in an ET_REL file is its offset in its section: left as is,
// every function of a module with several executable sections (.text plus
// .init.text, or -ffunction-sections) would start at DWARF address 0, and a
// lookup by address would be ambiguous. Open therefore hands debug/elf a copy
// of the file whose .symtab gives every symbol defined in an allocated
// section the address kobj assigns it (section address + value), so the
// relocated DWARF addresses are kobj's addresses and each line-table sequence
// and function range lands in its own section's place. For a separate debug
// file (objcopy --only-keep-debug keeps every section header and its own
// .symtab), the debug file's sections are matched to the module's by name
// (and rank among sections of the same name).
//
// # Limitations
//
//   - ET_REL relocations are applied only as debug/elf applies them: absolute
//     types, symbol + addend, with a non-negative addend, for the machines
//     debug/elf knows. Others are left as the file stores them (normally 0).
//   - Symbols with an extended section index (SHN_XINDEX), and symbols of a
//     debug file's section that the module does not have, keep their
//     section-relative value, so their addresses may be ambiguous as above.
//   - Split DWARF (.dwo, skeleton units) and .gnu_debugaltz/dwz supplementary
//     files are not read.
//   - Line returns the line-table row, i.e. the innermost inlined location;
//     Function returns the outermost (out-of-line) subprogram.
package srcline

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/kldcheck/kldcheck/kobj"
)

// Table maps addresses of one module to source lines and functions. It is
// read-only after Open and safe for concurrent use.
type Table struct {
	// Path is the file the DWARF was read from: the module itself or its
	// separate debug file.
	Path string

	files []string   // file names, indexed by row.file
	seqs  []sequence // by start address
	// seqMaxEnd[i] is the greatest end among seqs[:i+1], so that a lookup can
	// stop walking back through overlapping sequences.
	seqMaxEnd []uint64

	funcs      []funcRange // by lo
	funcMaxEnd []uint64
}

// sequence is one DWARF line-table sequence: the rows of [start, end).
type sequence struct {
	start, end uint64
	rows       []row // by address; rows[0].addr == start
}

type row struct {
	addr uint64
	file int32
	line int32
}

type funcRange struct {
	lo, hi uint64
	name   string
}

// Line returns the source file and line of the code at addr (a kobj
// address, see the package documentation): the row of the line table with
// the greatest address <= addr within the sequence that contains addr; when
// several rows share that address, the last one, as llvm-symbolizer does.
// The file is as DWARF names it, joined with the compilation directory when
// relative. line is 0 when the compiler attributed the code to no source line
// (DWARF line 0). ok is false when no sequence covers addr.
func (t *Table) Line(addr uint64) (file string, line int, ok bool) {
	if t == nil {
		return "", 0, false
	}
	i := sort.Search(len(t.seqs), func(i int) bool { return t.seqs[i].start > addr }) - 1
	for ; i >= 0 && t.seqMaxEnd[i] > addr; i-- {
		s := &t.seqs[i]
		if addr >= s.end {
			continue
		}
		j := sort.Search(len(s.rows), func(j int) bool { return s.rows[j].addr > addr }) - 1
		r := s.rows[j] // j >= 0: rows[0].addr == start <= addr
		return t.files[r.file], int(r.line), true
	}
	return "", 0, false
}

// Function returns the name of the function (DW_TAG_subprogram, out of line)
// whose code ranges contain addr.
func (t *Table) Function(addr uint64) (string, bool) {
	if t == nil {
		return "", false
	}
	i := sort.Search(len(t.funcs), func(i int) bool { return t.funcs[i].lo > addr }) - 1
	for ; i >= 0 && t.funcMaxEnd[i] > addr; i-- {
		if f := &t.funcs[i]; addr < f.hi {
			return f.name, true
		}
	}
	return "", false
}

// Open reads the DWARF line and function information of mod. It uses the
// module's own DWARF when it has a .debug_info section; otherwise the file
// named by its .gnu_debuglink (mod.DebugLink), looked for, in this order:
//
//  1. beside the module: dir(mod.Path)/DebugLink;
//  2. for each of debugDirs, under it, the module's absolute directory, as
//     FreeBSD installs debug files (/usr/lib/debug + /boot/kernel/X.ko.debug),
//     also with symbolic links in that directory resolved when that differs;
//  3. for each of debugDirs, debugDir/base(DebugLink).
//
// A candidate is used only when its CRC32 (IEEE) equals mod.DebugLinkCRC (when
// that is non-zero), and it is an ELF file of the module's class, byte order,
// machine and type with a .debug_info section; otherwise the search goes on.
// Without debug information anywhere, Open returns (nil, nil); a nil *Table
// answers every lookup with ok false. Malformed DWARF, or a debug file that
// exists but cannot be read, is an error (a *kobj.Error naming the file).
func Open(mod *kobj.File, debugDirs []string) (*Table, error) {
	if hasDebugInfo(mod) {
		data, err := mod.Bytes(0, uint64(mod.Size()), "file")
		if err != nil {
			return nil, err
		}
		return load(mod, mod.Path, data)
	}
	if mod.DebugLink == "" {
		return nil, nil
	}
	for _, cand := range candidates(mod, debugDirs) {
		data, err := readFile(cand)
		if err != nil {
			return nil, err
		}
		if data == nil {
			continue
		}
		if mod.DebugLinkCRC != 0 && crc32.ChecksumIEEE(data) != mod.DebugLinkCRC {
			continue
		}
		t, err := load(mod, cand, data)
		if err != nil {
			return nil, err
		}
		if t != nil {
			return t, nil
		}
	}
	return nil, nil
}

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
func candidates(mod *kobj.File, debugDirs []string) []string {
	link := mod.DebugLink
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
		add(filepath.Join(dd, filepath.Base(link)))
	}
	return out
}

// readFile returns the contents of path, nil when there is no such file (or
// it is a directory), or an error naming it.
func readFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fileErr(path, err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fileErr(path, err)
	}
	if st.IsDir() {
		return nil, nil
	}
	if st.Size() > kobj.MaxFileSize {
		return nil, &kobj.Error{Path: path, Msg: fmt.Sprintf("file is %d bytes, larger than the %d kldcheck reads", st.Size(), kobj.MaxFileSize)}
	}
	data, err := io.ReadAll(io.LimitReader(fh, kobj.MaxFileSize+1))
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

// build reads every unit's line table and subprograms into t. infoSize and
// lineSize bound the number of entries and rows the readers may return: each
// takes at least one byte, but debug/dwarf's Reader can return empty entries
// forever on some malformed units.
func (t *Table) build(d *dwarf.Data, infoSize, lineSize uint64) error {
	fileIndex := map[string]int32{}
	intern := func(name string) int32 {
		if i, ok := fileIndex[name]; ok {
			return i
		}
		i := int32(len(t.files))
		fileIndex[name] = i
		t.files = append(t.files, name)
		return i
	}
	type pending struct {
		ranges [][2]uint64
		origin dwarf.Offset
	}
	names := map[dwarf.Offset]string{}         // subprogram names by DIE offset
	origins := map[dwarf.Offset]dwarf.Offset{} // unnamed subprogram → its origin/specification
	var unnamed []pending

	r := d.Reader()
	for n := uint64(0); ; n++ {
		if n > infoSize {
			return errors.New(".debug_info: more entries than bytes")
		}
		e, err := r.Next()
		if err != nil {
			return err
		}
		if e == nil {
			break
		}
		switch e.Tag {
		case dwarf.TagCompileUnit, dwarf.TagPartialUnit:
			if err := t.readLines(d, e, intern, lineSize); err != nil {
				return err
			}
		case dwarf.TagSubprogram:
			name, _ := e.Val(dwarf.AttrName).(string)
			origin, hasOrigin := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
			if !hasOrigin {
				origin, hasOrigin = e.Val(dwarf.AttrSpecification).(dwarf.Offset)
			}
			if name != "" {
				names[e.Offset] = name
			} else if hasOrigin {
				origins[e.Offset] = origin
			}
			ranges, err := d.Ranges(e)
			if err != nil {
				return fmt.Errorf("subprogram at %#x: %v", e.Offset, err)
			}
			if len(ranges) == 0 {
				continue
			}
			switch {
			case name != "":
				for _, rg := range ranges {
					t.funcs = append(t.funcs, funcRange{rg[0], rg[1], name})
				}
			case hasOrigin:
				unnamed = append(unnamed, pending{ranges, origin})
			}
		}
	}
	// Out-of-line instances of inlined functions and C++-style definitions
	// name their function through DW_AT_abstract_origin/DW_AT_specification.
	for _, u := range unnamed {
		off, name := u.origin, ""
		for range 8 { // origin chains are short; bound them against cycles
			if n, ok := names[off]; ok {
				name = n
				break
			}
			next, ok := origins[off]
			if !ok {
				break
			}
			off = next
		}
		if name == "" {
			continue
		}
		for _, rg := range u.ranges {
			t.funcs = append(t.funcs, funcRange{rg[0], rg[1], name})
		}
	}
	t.index()
	return nil
}

// readLines appends the sequences of the line table of unit cu; lineSize
// bounds its number of rows.
func (t *Table) readLines(d *dwarf.Data, cu *dwarf.Entry, intern func(string) int32, lineSize uint64) error {
	lr, err := d.LineReader(cu)
	if err != nil {
		return fmt.Errorf("line table of unit at %#x: %v", cu.Offset, err)
	}
	if lr == nil {
		return nil // no DW_AT_stmt_list
	}
	var (
		le   dwarf.LineEntry
		rows []row
	)
	for n := uint64(0); ; n++ {
		if n > lineSize {
			return fmt.Errorf("line table of unit at %#x: more rows than bytes", cu.Offset)
		}
		err := lr.Next(&le)
		if err == io.EOF {
			return nil // rows of an unterminated sequence are dropped
		}
		if err != nil {
			return fmt.Errorf("line table of unit at %#x: %v", cu.Offset, err)
		}
		if le.EndSequence {
			if len(rows) > 0 && le.Address > rows[0].addr {
				sort.SliceStable(rows, func(i, j int) bool { return rows[i].addr < rows[j].addr })
				t.seqs = append(t.seqs, sequence{start: rows[0].addr, end: le.Address, rows: rows})
			}
			rows = nil
			continue
		}
		name := ""
		if le.File != nil {
			name = le.File.Name
		}
		rows = append(rows, row{addr: le.Address, file: intern(name), line: int32(min(max(le.Line, 0), 1<<31-1))})
	}
}

// index sorts the sequences and function ranges and computes the running
// maximum ends that bound the backward walk of lookups.
func (t *Table) index() {
	sort.SliceStable(t.seqs, func(i, j int) bool { return t.seqs[i].start < t.seqs[j].start })
	t.seqMaxEnd = make([]uint64, len(t.seqs))
	var m uint64
	for i := range t.seqs {
		m = max(m, t.seqs[i].end)
		t.seqMaxEnd[i] = m
	}
	kept := t.funcs[:0]
	for _, f := range t.funcs {
		if f.hi > f.lo {
			kept = append(kept, f)
		}
	}
	t.funcs = kept
	sort.SliceStable(t.funcs, func(i, j int) bool { return t.funcs[i].lo < t.funcs[j].lo })
	t.funcMaxEnd = make([]uint64, len(t.funcs))
	m = 0
	for i := range t.funcs {
		m = max(m, t.funcs[i].hi)
		t.funcMaxEnd[i] = m
	}
}
