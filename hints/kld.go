package hints

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/kldcheck/kldcheck/kobj"
)

// Module returns the records kldxref writes for one module (or kernel) file
// called name in its directory (usr.sbin/kldxref/kldxref.c, FreeBSD 15:
// read_kld and parse_entry): the MDT_MODULE record of the file's first
// DECLARE_MODULE only, then, in set_modmetadata_set order, an MDT_VERSION
// record per MODULE_VERSION and an MDT_PNP_INFO record per
// MODULE_PNP_INFO; MODULE_DEPEND entries and types it does not know give
// none.
func Module(f *kobj.File, name string) ([]Record, error) {
	var out []Record
	for _, m := range f.Metadata {
		if m.Type == kobj.MDTModule {
			out = append(out, Record{Type: kobj.MDTModule, Module: m.Name, File: name})
			break
		}
	}
	for _, m := range f.Metadata {
		switch m.Type {
		case kobj.MDTVersion:
			out = append(out, Record{Type: kobj.MDTVersion, Module: m.Name, Version: m.ModVersion, File: name})
		case kobj.MDTPNPInfo:
			p, err := readPNP(f, m)
			if err != nil {
				return nil, err
			}
			out = append(out, Record{Type: kobj.MDTPNPInfo, File: name, PNP: p})
		}
	}
	return out, nil
}

// Kld is one file of a module directory: its name there and its contents.
type Kld struct {
	Name string
	File *kobj.File
}

// Index returns the linker.hints kldxref would write for a directory
// holding klds (kldxref.c main and read_kld): the files in name order
// (strcmp), those whose name has an extension other than .ko skipped (as
// linker.hints and *.debug are), each of another architecture than the
// first file to give a record skipped with a warning, in the byte order of
// that first file. It returns nil bytes when no file gives a record:
// kldxref then leaves no linker.hints.
func Index(klds []Kld) (data []byte, warnings []string, err error) {
	sorted := append([]Kld(nil), klds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var recs []Record
	var first *kobj.File
	for _, k := range sorted {
		if ext := filepath.Ext(k.Name); ext != "" && ext != ".ko" {
			continue
		}
		if first != nil && k.File.Arch != first.Arch {
			warnings = append(warnings, fmt.Sprintf("%s does not match architecture of %s", k.Name, first.Path))
			continue
		}
		rs, err := Module(k.File, k.Name)
		if err != nil {
			return nil, warnings, err
		}
		if first == nil && len(rs) > 0 {
			first = k.File
		}
		recs = append(recs, rs...)
	}
	if len(recs) == 0 {
		return nil, warnings, nil
	}
	data, err = Encode(first.Arch.ByteOrder(), recs)
	return data, warnings, err
}

// IndexDir indexes the regular files of one directory as kldxref does
// (not its subdirectories, for which kldxref writes hints files of their
// own); files that are not ELF files kldcheck reads are skipped, as
// kldxref skips those libelf cannot open.
func IndexDir(dir string) ([]byte, []string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var klds []Kld
	for _, e := range ents {
		if !e.Type().IsRegular() { // fts without FTS_LOGICAL: symbolic links are not files
			continue
		}
		f, err := kobj.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		klds = append(klds, Kld{Name: e.Name(), File: f})
	}
	return Index(klds)
}
