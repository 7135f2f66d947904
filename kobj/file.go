// Package kobj reads FreeBSD kernel and kernel-module ELF files (a kernel,
// *.ko) without loading them: their sections, symbols, relocations, linker sets
// (set_vnet, set_pcpu, set_modmetadata_set, ...), module metadata, and for a
// kernel its release number. It uses Go's debug/elf for headers, sections and
// symbols, wrapped so that malformed input gives an error and never a panic,
// and decodes relocation records itself.
package kobj

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/internal/regfile"
)

// Kind says what a file is to the kernel linker.
type Kind int

// File kinds.
const (
	Module Kind = iota // a loadable module (ET_REL on amd64, ET_DYN elsewhere)
	Kernel             // the kernel: an executable with a dynamic symbol table
)

func (k Kind) String() string {
	if k == Kernel {
		return "kernel"
	}
	return "module"
}

// MaxFileSize bounds the files kldcheck reads, refused with a one-line
// error before a byte is read: a check holds the file, its parse and a
// simulated image, within 2 GiB for a file of this size (a FreeBSD kernel
// with its debug information is well under it).
const MaxFileSize = 512 << 20

// File is an opened kernel or module file.
type File struct {
	Path string
	Kind Kind
	Arch *arch.Arch
	Type elf.Type
	// Flags is the header's e_flags (which debug/elf does not expose):
	// powerpc64's ABI version, among others.
	Flags uint32

	Sections []*Section
	// Segments are the program headers (kernels and ET_DYN modules).
	Segments []Segment
	// Symbols is .symtab indexed by symbol number (entry 0 is the null symbol);
	// DynSymbols likewise for .dynsym. Either may be empty.
	Symbols    []Symbol
	DynSymbols []Symbol
	// RelocTables holds every relocation table: SHT_REL/SHT_RELA sections, and
	// tables named by the dynamic section (DT_REL, DT_RELA, DT_JMPREL) that no
	// section covers.
	RelocTables []*RelocTable
	// Sets holds every linker set (sections named set_*).
	Sets []*LinkerSet
	// Metadata holds the module metadata records of set_modmetadata_set.
	Metadata []Metadata

	// OSRelDate and Version are the kernel's osreldate and version string,
	// when the file defines them.
	OSRelDate int
	Version   string
	// HasHash reports a SysV symbol hash table (DT_HASH), which link_elf.c
	// needs to look up any symbol of a shared object or kernel.
	HasHash bool
	// DebugLink names the separate debug file (.gnu_debuglink), if any.
	DebugLink    string
	DebugLinkCRC uint32

	data      []byte
	ef        *elf.File
	memo      sync.Map // Memo's results, freed with the File
	namesOnce sync.Once
	names     [2]nameIndex // symbol indices by name: .symtab, .dynsym
}

// Error is a problem with an input file. Its text names the file.
type Error struct {
	Path string
	Msg  string
	// Internal is set when kldcheck's own code, not debug/elf, failed on
	// the file: a bug in kldcheck, still reported as an error about the file
	// so that other files' results survive. The fuzz tests require it false.
	Internal bool
}

func (e *Error) Error() string { return Printable(e.Path + ": " + e.Msg) }

// Printable escapes control characters and invalid UTF-8 (from names in a
// hostile file) as Go escapes, so that a message stays on one line and
// cannot drive a terminal.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// errf returns an *Error for the file.
func (f *File) errf(format string, args ...any) error {
	return &Error{Path: f.Path, Msg: fmt.Sprintf(format, args...)}
}

// Open reads and parses the file at path. It never writes to it, and
// refuses at once (without blocking) a path that is not a regular file.
func Open(path string) (*File, error) {
	data, err := regfile.Read(path, MaxFileSize)
	if err != nil {
		return nil, &Error{Path: path, Msg: errText(err)}
	}
	return Parse(path, data)
}

// panicOrigin returns the function that panicked, from a goroutine stack as
// runtime/debug.Stack prints it: the first frame after the runtime's panic
// machinery.
func panicOrigin(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "panic(") {
			continue
		}
		for _, m := range lines[i+1:] {
			if m == "" || strings.HasPrefix(m, "\t") || strings.HasPrefix(m, "runtime.") {
				continue
			}
			if j := strings.LastIndex(m, "("); j > 0 {
				m = m[:j]
			}
			return m
		}
	}
	return "unknown"
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse parses the contents of a file; path is used in error messages. The
// returned File keeps data and reads from it later.
func Parse(path string, data []byte) (f *File, err error) {
	f = &File{Path: path, data: data}
	defer func() {
		// debug/elf has known panics on malformed input (golang/go#33121,
		// #47445); report them as errors about the file.
		if r := recover(); r != nil {
			e := &Error{Path: path, Msg: fmt.Sprintf("malformed ELF file (%v)", r)}
			if origin := panicOrigin(debug.Stack()); !strings.HasPrefix(origin, "debug/elf.") {
				e.Internal = true
				e.Msg = fmt.Sprintf("kldcheck failed reading the file (%v in %s); please report this", r, origin)
			}
			f, err = nil, e
		}
	}()
	if err := f.checkIdent(); err != nil {
		return nil, err
	}
	if err := f.checkTables(); err != nil {
		return nil, err
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if isEOF(err) {
		return nil, f.errf("the file ends inside the ELF headers debug/elf reads (%d bytes): truncated?", len(data))
	}
	if err != nil {
		return nil, f.errf("%s", trimELFErr(err))
	}
	f.ef = ef
	f.Type = ef.Type
	a, ok := arch.Find(ef.Class, ef.Data, ef.Machine)
	if !ok {
		return nil, f.errf("unsupported machine %v (%v, %v): not a FreeBSD architecture kldcheck knows", ef.Machine, ef.Class, ef.Data)
	}
	f.Arch = a
	flagsAt := 36 // e_flags in an Elf32_Ehdr
	if ef.Class == elf.ELFCLASS64 {
		flagsAt = 48
	}
	if len(data) >= flagsAt+4 {
		f.Flags = a.ByteOrder().Uint32(data[flagsAt:])
	}
	for _, step := range []func() error{f.readSections, f.readSymbols, f.classify, f.readRelocs, f.readSets, f.readMetadata, f.readKernelInfo} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// checkIdent validates the ELF identification before debug/elf sees the file,
// so the common mistakes get precise messages.
func (f *File) checkIdent() error {
	d := f.data
	if len(d) < 4 || string(d[:4]) != elf.ELFMAG {
		return f.errf("not an ELF file")
	}
	if len(d) < elf.EI_NIDENT {
		return f.errf("truncated ELF identification (%d bytes)", len(d))
	}
	switch elf.Class(d[elf.EI_CLASS]) {
	case elf.ELFCLASS32, elf.ELFCLASS64:
	default:
		return f.errf("unknown ELF class %d", d[elf.EI_CLASS])
	}
	switch elf.Data(d[elf.EI_DATA]) {
	case elf.ELFDATA2LSB, elf.ELFDATA2MSB:
	default:
		return f.errf("unknown ELF byte order %d", d[elf.EI_DATA])
	}
	hdr := 52
	if elf.Class(d[elf.EI_CLASS]) == elf.ELFCLASS64 {
		hdr = 64
	}
	if len(d) < hdr {
		return f.errf("truncated ELF header: %d bytes, need %d", len(d), hdr)
	}
	return nil
}

func trimELFErr(err error) string {
	var fe *elf.FormatError
	if errors.As(err, &fe) {
		return "malformed ELF file: " + fe.Error()
	}
	return err.Error()
}

// kernelInterp is the interpreter every FreeBSD kernel names: the kernel is
// linked -Bdynamic --dynamic-linker /red/herring (sys/conf/kern.pre.mk,
// SYSTEM_LD, 12.1-STABLE and 15-CURRENT), for its .dynsym.
const kernelInterp = "/red/herring"

// classify decides whether the file is a module or a kernel, following the
// checks the kernel linkers make: link_elf_obj.c takes ET_REL only, link_elf.c
// ET_EXEC or ET_DYN (sys/kern/link_elf*.c, FreeBSD 14). A kernel is ET_EXEC,
// or ET_DYN where sys/conf/Makefile.powerpc links it -pie (every powerpc
// kernel since 12.x): that one names kernelInterp as its interpreter, which
// no module has (link_elf.c refuses a file with PT_INTERP).
func (f *File) classify() error {
	switch f.Type {
	case elf.ET_REL:
		f.Kind = Module
	case elf.ET_DYN:
		f.Kind = Module
		if f.interp() == kernelInterp {
			f.Kind = Kernel
		}
	case elf.ET_EXEC:
		f.Kind = Kernel
	default:
		return f.errf("ELF type %v is neither a kernel nor a module", f.Type)
	}
	if f.Kind == Kernel && len(f.DynSymbols) == 0 {
		return f.errf("executable without a dynamic symbol table: not a FreeBSD kernel")
	}
	return nil
}

// interp is the path the PT_INTERP segment names, "" for none (or one that
// cannot be read).
func (f *File) interp() string {
	for _, s := range f.Segments {
		if s.Type != elf.PT_INTERP {
			continue
		}
		b, err := f.Bytes(s.Off, s.Filesz, "PT_INTERP segment")
		if err != nil {
			return ""
		}
		return strings.TrimRight(string(b), "\x00")
	}
	return ""
}

// Segment is one program header.
type Segment struct {
	Type                 elf.ProgType
	Off, Vaddr           uint64
	Filesz, Memsz, Align uint64
}

// Bytes returns the n bytes at file offset off, or an error naming what was
// being read when they lie outside the file.
func (f *File) Bytes(off, n uint64, what string) ([]byte, error) {
	if off > uint64(len(f.data)) || n > uint64(len(f.data))-off {
		return nil, f.errf("%s: bytes [%#x, %#x) lie outside the file (%d bytes)", what, off, off+n, len(f.data))
	}
	return f.data[off : off+n : off+n], nil
}

// Memo returns the value compute gives for key, computed once per File even
// when several goroutines ask at once. Packages that derive costly results
// from a file (the machine-code scan) keep them here, so that they live as
// long as the parsed file and no longer.
func (f *File) Memo(key any, compute func() any) any {
	e, _ := f.memo.LoadOrStore(key, &memoEntry{})
	me := e.(*memoEntry)
	me.once.Do(func() { me.v = compute() })
	return me.v
}

type memoEntry struct {
	once sync.Once
	v    any
}

// Summary returns a File holding only what indexes a tree: path, kind,
// architecture, ELF type and module metadata. It has no sections, symbols,
// relocations or bytes, so the rest of the parse can be freed while the
// summary is kept (kldcheck scan holds one per file of the tree).
func (f *File) Summary() *File {
	return &File{Path: f.Path, Kind: f.Kind, Arch: f.Arch, Type: f.Type, Metadata: f.Metadata, OSRelDate: f.OSRelDate, Version: f.Version}
}

// Size returns the size of the file in bytes.
func (f *File) Size() int { return len(f.data) }
