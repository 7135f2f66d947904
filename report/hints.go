package report

import (
	"encoding/binary"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kldcheck/kldcheck/hints"
	"github.com/kldcheck/kldcheck/kobj"
)

// HintsDoc is the JSON document of `kldcheck hints`.
type HintsDoc struct {
	File      string       `json:"file"`
	ByteOrder string       `json:"byte_order"` // "little" or "big"
	Version   int          `json:"version"`
	Records   []HintRecord `json:"records"`
}

// HintRecord is one record of a linker.hints file.
type HintRecord struct {
	Offset int    `json:"offset"` // of the record's length word
	Length int    `json:"length"` // the length it gives (padding included)
	Type   string `json:"type"`   // MDT_MODULE, MDT_VERSION, MDT_PNP_INFO, MDT_<n>
	Module string `json:"module,omitempty"`
	// Version is set on MDT_VERSION records (0 is a version).
	Version *int `json:"version,omitempty"`
	// File is the module file as stored (for MDT_PNP_INFO, the file of
	// the MDT_MODULE record before it); Path joins it to the directory.
	File string   `json:"file,omitempty"`
	Path string   `json:"path,omitempty"`
	PNP  *HintPNP `json:"pnp,omitempty"`
}

// HintPNP is the table of an MDT_PNP_INFO record.
type HintPNP struct {
	Bus    string `json:"bus"`
	Format string `json:"format"`
	// Fields are the fields of Format holding a value in each entry; every
	// entry lists the values in that order, numbers for the integer kinds
	// (I J G L M), strings for D and Z.
	Fields  []HintField `json:"fields"`
	Count   int         `json:"count"`
	Entries [][]any     `json:"entries"`
}

// HintField is one value field of a PNP format.
type HintField struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// NewHints converts a decoded linker.hints file.
func NewHints(f *hints.File) HintsDoc {
	doc := HintsDoc{File: f.Path, ByteOrder: "little", Version: hints.Version, Records: []HintRecord{}}
	if f.Order == binary.BigEndian {
		doc.ByteOrder = "big"
	}
	dir := filepath.Dir(f.Path)
	for _, r := range f.Records {
		hr := HintRecord{Offset: r.Offset, Length: r.Len, Type: kobj.MDTName(r.Type), Module: r.Module, File: r.File}
		if r.File != "" {
			hr.Path = filepath.Join(dir, r.File)
		}
		switch r.Type {
		case kobj.MDTVersion:
			v := r.Version
			hr.Version = &v
		case kobj.MDTPNPInfo:
			hr.PNP = newHintPNP(r.PNP)
		}
		doc.Records = append(doc.Records, hr)
	}
	return doc
}

func newHintPNP(p *hints.PNP) *HintPNP {
	hp := &HintPNP{Bus: p.Bus, Format: p.Format, Count: p.Count, Fields: []HintField{}, Entries: [][]any{}}
	fields, _ := hints.Fields(p.Format) // Parse checked the format
	var vf []hints.Field
	for _, f := range fields {
		if f.HasValue() {
			vf = append(vf, f)
			hp.Fields = append(hp.Fields, HintField{Kind: string(f.Kind), Name: f.Name})
		}
	}
	for _, e := range p.Entries {
		vals := make([]any, len(e))
		for i, v := range e {
			if vf[i].IsString() {
				vals[i] = v.Str
			} else {
				vals[i] = v.Int
			}
		}
		hp.Entries = append(hp.Entries, vals)
	}
	return hp
}

// WriteHintsText prints the records as `kldxref -d` prints what it would
// write (usr.sbin/kldxref/kldxref.c, FreeBSD 15): the path of each file,
// then "module NAME" and "interface NAME.VERSION" lines; a PNP record as
// "pnp info for bus BUS format FORMAT N entries" with the stored format
// (kldxref -d shows the source's, and the entry size, which the file does
// not keep), then its entries as devmatch -d prints them. kldxref -d also
// prints MODULE_DEPEND lines, which linker.hints does not hold.
func WriteHintsText(w io.Writer, f *hints.File) error {
	var b strings.Builder
	dir := filepath.Dir(f.Path)
	current, started := "", false
	header := func(file string) {
		if file != current || !started {
			current, started = file, true
			name := "(no MDT_MODULE record before)"
			if file != "" {
				name = filepath.Join(dir, file)
			}
			fmt.Fprintf(&b, "%s\n", kobj.Printable(name))
		}
	}
	for _, r := range f.Records {
		switch r.Type {
		case kobj.MDTModule:
			header(r.File)
			fmt.Fprintf(&b, "  module %s\n", kobj.Printable(r.Module))
		case kobj.MDTVersion:
			header(r.File)
			fmt.Fprintf(&b, "  interface %s.%d\n", kobj.Printable(r.Module), r.Version)
		case kobj.MDTPNPInfo:
			header(r.File)
			p := newHintPNP(r.PNP)
			fmt.Fprintf(&b, "  pnp info for bus %s format %s %d entries\n", kobj.Printable(p.Bus), kobj.Printable(p.Format), p.Count)
			for _, e := range p.Entries {
				b.WriteString("   ")
				for _, v := range e {
					if s, ok := v.(string); ok {
						fmt.Fprintf(&b, "'%s':", kobj.Printable(s))
					} else if u := uint32(v.(int32)); u == 0 {
						b.WriteString("0:") // C's %#x writes no 0x before a zero
					} else {
						fmt.Fprintf(&b, "%#x:", u)
					}
				}
				b.WriteByte('\n')
			}
		default:
			fmt.Fprintf(&b, "  record %s at %#x, %d bytes, which the kernel skips\n", kobj.MDTName(r.Type), r.Offset, r.Len)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
