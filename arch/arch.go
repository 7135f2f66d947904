// Package arch holds what kldcheck knows about each FreeBSD architecture: how its
// kernel modules are laid out (ET_REL or ET_DYN), its pointer size and relocation
// format, and a table of relocation types with the formula the architecture's
// kernel linker (sys/<arch>/<arch>/elf_machdep.c) applies for each.
//
// Each architecture lives in one file of this package that registers an *Arch
// value; nothing outside that file knows its details. Architectures are found by
// the ELF identification triple (class, byte order, machine), as FreeBSD's
// kldxref(8) does with its ELF_RELOC table (lib/libkldelf/elf.c).
package arch

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Formula says how a relocation computes the value it stores, in the psABI's
// notation: S is the symbol's address, A the addend, B the base address the
// file was loaded at, P the address of the place being patched.
type Formula uint8

// Relocation formulas.
const (
	Unknown   Formula = iota // a type this table does not describe
	None                     // R_*_NONE: nothing is stored
	Abs                      // S + A
	Sym                      // S, the addend is ignored (GLOB_DAT/JMP_SLOT on x86)
	Relative                 // B + A, passed through elf_relocaddr by the kernel linker
	PCRel                    // S + A - P
	IRelative                // the resolver at B + A is called; its result is stored
	Copy                     // R_*_COPY: always rejected by the kernel linker
	Insn                     // patches an instruction field (branch, page, lo12...)
)

var formulaNames = [...]string{"unknown", "none", "S+A", "S", "B+A", "S+A-P", "ifunc(B+A)", "copy", "insn"}

func (f Formula) String() string {
	if int(f) < len(formulaNames) {
		return formulaNames[f]
	}
	return "formula(" + strconv.Itoa(int(f)) + ")"
}

// Reloc describes one relocation type of an architecture.
type Reloc struct {
	Type    uint32
	Formula Formula
	Size    int // bytes of data written (4 or 8); 0 for instruction fields
}

// BranchCheck is the range check an architecture's elf_reloc makes on the
// offset of a PC-relative branch before it encodes it; when the offset does
// not fit, elf_reloc returns -1 and link_elf.c's relocate_file reports the
// symbol as undefined.
type BranchCheck struct {
	// WithAddend is true where the offset checked is S+A-P, false where
	// the kernel leaves the addend out (S-P).
	WithAddend bool
	// Fits reports whether the kernel accepts the offset, computed and
	// compared as the kernel does (as an unsigned 64-bit number).
	Fits func(off uint64) bool
	// Reach says in words what Fits accepts ("±32 KiB").
	Reach string
	// Message is what elf_reloc prints when the check fails, "" where it
	// prints nothing.
	Message string
}

// signedFits is a check that the offset, taken as signed, fits in bits
// bits: every bit from bits-1 up is a copy of the sign.
func signedFits(bits uint) func(uint64) bool {
	return func(off uint64) bool { return uint64(int64(off)>>(bits-1))+1 <= 1 }
}

// Arch describes one FreeBSD architecture (a MACHINE_ARCH value).
type Arch struct {
	// Name is FreeBSD's MACHINE_ARCH: amd64, i386, aarch64 is called arm64 here
	// as in FreeBSD's MACHINE, armv7, riscv64, powerpc, powerpc64, powerpc64le.
	Name    string
	Class   elf.Class
	Data    elf.Data
	Machine elf.Machine
	// ModuleType is the ELF type of a kernel module: ET_REL where sys/conf/kmod.mk
	// links modules with ld -r (amd64), ET_DYN where it links shared objects.
	ModuleType elf.Type
	// FirstRelease is the first FreeBSD release (major*100000 + minor*1000,
	// as __FreeBSD_version) with this MACHINE_ARCH; 0 for those older than
	// every profile. A profile of an earlier release cannot apply to it.
	FirstRelease int
	// LinkElfObj is true where the kernel has link_elf_obj.c, the class
	// that loads relocatable (ET_REL) files (sys/conf/files.amd64 only);
	// elsewhere link_elf.c refuses them and kldload fails ("unsupported
	// file type").
	LinkElfObj bool
	// RELA is true when the kernel linker expects RELA relocations (explicit
	// addends), false for REL (addend stored in the patched word).
	RELA bool
	// PtrSize is sizeof(void *) in bytes.
	PtrSize int
	// RelocaddrOnSymbols is true where the kernel linker also passes
	// symbol-based results through elf_relocaddr (powerpc's elf32_machdep.c).
	RelocaddrOnSymbols bool
	// LookupIgnored lists relocation types whose failed symbol lookup the
	// kernel's elf_reloc ignores: the load goes on with the place unset
	// (powerpc64's R_PPC64_JMP_SLOT, elf64_machdep.c, 15-CURRENT).
	LookupIgnored []uint32
	// Branches holds the range check elf_reloc makes before it patches a
	// branch instruction's immediate, by relocation type; a failed check
	// fails the load.
	Branches map[uint32]BranchCheck
	// Relocs lists the relocation types the kernel linker handles.
	Relocs []Reloc
	// typeName spells a relocation type the way Go's debug/elf does; names
	// holds the types debug/elf has no name for, spelled as the psABI does.
	typeName func(t uint32) string
	names    map[uint32]string
	// byType indexes Relocs by type number: i+1 for Relocs[i], 0 for a
	// type the table does not hold (asked once per relocation record).
	byType []uint16
}

// ByteOrder returns the architecture's byte order.
func (a *Arch) ByteOrder() binary.ByteOrder {
	if a.Data == elf.ELFDATA2MSB {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// RelocName spells relocation type t as Go's debug/elf does (R_X86_64_32S,
// R_AARCH64_GLOB_DAT, ...). A type debug/elf does not know is spelled
// PREFIX_<number>, e.g. R_AARCH64_4242.
func (a *Arch) RelocName(t uint32) string {
	if n, ok := a.names[t]; ok {
		return n
	}
	s := a.typeName(t)
	if i := strings.IndexByte(s, '+'); i >= 0 || !strings.HasPrefix(s, "R_") {
		prefix := a.typeName(0)
		if j := strings.LastIndexByte(prefix, '_'); j > 0 {
			prefix = prefix[:j]
		}
		return prefix + "_" + strconv.FormatUint(uint64(t), 10)
	}
	return s
}

// Lookup returns the table entry for relocation type t.
func (a *Arch) Lookup(t uint32) (Reloc, bool) {
	if uint64(t) < uint64(len(a.byType)) {
		if i := a.byType[t]; i != 0 {
			return a.Relocs[i-1], true
		}
	}
	return Reloc{}, false
}

func (a *Arch) String() string { return a.Name }

var registry []*Arch

// register adds an architecture; each architecture's file calls it once.
func register(a *Arch) *Arch {
	var top uint32
	for _, r := range a.Relocs {
		top = max(top, r.Type)
	}
	if top > 1<<12 || len(a.Relocs) >= 1<<16 {
		panic(fmt.Sprintf("arch %s: relocation type %d is beyond the dense table", a.Name, top))
	}
	a.byType = make([]uint16, top+1)
	for i, r := range a.Relocs {
		if a.byType[r.Type] != 0 {
			panic(fmt.Sprintf("arch %s: relocation %s listed twice", a.Name, a.RelocName(r.Type)))
		}
		a.byType[r.Type] = uint16(i + 1)
	}
	// Names of the table's types, computed once: debug/elf finds a name by
	// searching its table, and the linker asks for every record.
	named := make(map[uint32]string, len(a.Relocs)+len(a.names))
	for _, r := range a.Relocs {
		named[r.Type] = a.RelocName(r.Type)
	}
	for t, n := range a.names {
		named[t] = n
	}
	a.names = named
	registry = append(registry, a)
	sort.Slice(registry, func(i, j int) bool { return registry[i].Name < registry[j].Name })
	return a
}

// Find returns the architecture of an ELF file from its identification.
func Find(class elf.Class, data elf.Data, machine elf.Machine) (*Arch, bool) {
	for _, a := range registry {
		if a.Class == class && a.Data == data && a.Machine == machine {
			return a, true
		}
	}
	return nil, false
}

// PredatesRelease reports whether a release (a __FreeBSD_version) is older
// than the architecture, and spells the architecture's first release.
func (a *Arch) PredatesRelease(osreldate int) (bool, string) {
	return osreldate < a.FirstRelease, fmt.Sprintf("FreeBSD %d.%d", a.FirstRelease/100000, a.FirstRelease%100000/1000)
}

// ByName returns the architecture called name (FreeBSD's MACHINE_ARCH).
func ByName(name string) (*Arch, bool) {
	for _, a := range registry {
		if a.Name == name {
			return a, true
		}
	}
	return nil, false
}

// All returns every known architecture, sorted by name.
func All() []*Arch { return append([]*Arch(nil), registry...) }
