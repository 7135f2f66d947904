// Package hints reads and writes linker.hints, the index kldxref(8) writes
// into each module directory and the kernel consults to find the file that
// provides a module (linker_hints_lookup in sys/kern/kern_linker.c).
//
// The format, as FreeBSD 15's usr.sbin/kldxref/kldxref.c writes it (read in
// the 15-CURRENT snapshot kactertech/Irid): a version word (1), then one
// record per metadata entry, each a length word followed by that many bytes.
// Every word is 32 bits in the byte order of the modules' architecture
// (kldxref takes it from the ELF header of the first file it indexes in the
// directory and has no option to choose it; older kldxref, as freebsd-src
// 00ff9787, wrote the host's). Inside a record the first word is the record
// type; an integer starts at the next multiple of 4 from the record's start,
// zero bytes filling the gap; a string is one length byte and that many
// bytes, unaligned and not terminated; the record is padded with zeros to a
// multiple of 4, and its length word counts the padding. kldxref writes
// three types, never MDT_DEPEND:
//
//	MDT_MODULE   string module, string file
//	MDT_VERSION  string module, int version, string file
//	MDT_PNP_INFO string bus, string format, int count, then count entries,
//	             each one value per field of format (an int for I J G L M,
//	             a string for D Z, nothing for T)
//
// The file is the module file's name in the directory. For each module
// file, the record of its first DECLARE_MODULE comes first, then its other
// records in set_modmetadata_set order; a PNP record belongs to the file of
// the MDT_MODULE record before it (devmatch(8) reads it so).
package hints

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Format limits.
const (
	// Version is LINKER_HINTS_VERSION (sys/sys/linker.h).
	Version = 1
	// MaxSize is LINKER_HINTS_MAX: the kernel ignores a bigger file.
	MaxSize = 1 << 20
	// MaxRecord is kldxref's record buffer (MAXRECSIZE): a longer record
	// stops it.
	MaxRecord = 64 << 10
	// maxString is the longest string a length byte counts.
	maxString = 255
)

// File is a decoded linker.hints file.
type File struct {
	Path    string
	Order   binary.ByteOrder
	Records []Record
}

// Record is one record of a linker.hints file.
type Record struct {
	Type int // kobj.MDTModule, kobj.MDTVersion, kobj.MDTPNPInfo, or another read from a file
	// Offset is the file offset of the record's length word, and Len the
	// length it gives (both set by Parse).
	Offset, Len int
	// Module is the module name (MDT_MODULE, MDT_VERSION).
	Module string
	// Version is the module version (MDT_VERSION).
	Version int
	// File is the module file, relative to the directory (MDT_MODULE,
	// MDT_VERSION). For MDT_PNP_INFO it is not stored in the record: Parse
	// sets it to the file of the MDT_MODULE record before, as devmatch(8)
	// attributes PNP tables.
	File string
	// PNP is the table of an MDT_PNP_INFO record.
	PNP *PNP
}

// PNP is the plug-and-play table of an MDT_PNP_INFO record
// (MODULE_PNP_INFO), in the simplified form kldxref writes.
type PNP struct {
	Bus string
	// Format is the table's description as kldxref rewrites it: "K:name;"
	// for each field, K one of I J G L M (integers), D Z (strings), T (no
	// value), e.g. "I:vendor;I:device;D:#;".
	Format string
	// Count is the entry count stored; Entries holds the entries, each one
	// Value per value field of Format (nil when Format has none).
	Count   int
	Entries [][]Value
}

// Value is one field of a PNP entry: Int for the integer kinds, Str for
// the string kinds.
type Value struct {
	Int int32
	Str string
}

// Field is one field of a PNP format.
type Field struct {
	Kind byte // I J G L M D Z T
	Name string
}

// IsString reports whether the field holds a string.
func (f Field) IsString() bool { return f.Kind == 'D' || f.Kind == 'Z' }

// HasValue reports whether entries hold a value for the field (all kinds
// but T).
func (f Field) HasValue() bool { return f.Kind != 'T' }

// Fields parses a PNP format into its fields.
func Fields(format string) ([]Field, error) {
	var out []Field
	for _, part := range strings.Split(format, ";") {
		if part == "" {
			continue
		}
		if len(part) < 2 || part[1] != ':' || !strings.ContainsRune("IJGLMDZT", rune(part[0])) {
			return nil, fmt.Errorf("PNP format field %q is not K:name with K one of IJGLMDZT", part)
		}
		out = append(out, Field{Kind: part[0], Name: part[2:]})
	}
	return out, nil
}

// valueFields returns the fields that carry a value in each entry.
func valueFields(format string) ([]Field, error) {
	fs, err := Fields(format)
	if err != nil {
		return nil, err
	}
	out := fs[:0]
	for _, f := range fs {
		if f.HasValue() {
			out = append(out, f)
		}
	}
	return out, nil
}

// align4 rounds n up to a multiple of 4.
func align4(n int) int { return (n + 3) &^ 3 }
