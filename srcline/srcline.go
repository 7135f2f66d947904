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
	"debug/dwarf"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
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
