package report

import (
	"debug/elf"
	"fmt"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
)

// RelocRun is what a simulated load of a file gave for its relocation
// listing.
type RelocRun struct {
	// Simulated is false for a kernel, whose relocations no kernel linker
	// applies.
	Simulated bool
	Address   uint64 // where the file was loaded
	// Refused is the kernel's message when it refused the load: only the
	// records applied before have values.
	Refused string
	Applied map[*kobj.Reloc]linker.Applied
}

// RelocsInfo is every relocation record of a file with the value the
// simulated kernel linker stored.
type RelocsInfo struct {
	Simulated   bool             `json:"simulated"`
	LoadAddress string           `json:"load_address,omitempty"`
	Refused     string           `json:"refused,omitempty"`
	Tables      []RelocTableJSON `json:"tables"`
}

// RelocTableJSON is one relocation table.
type RelocTableJSON struct {
	Name        string      `json:"name"`
	RELA        bool        `json:"rela"`
	Relocations []RelocJSON `json:"relocations"`
}

// RelocJSON is one relocation record.
type RelocJSON struct {
	Offset string `json:"offset"` // r_offset
	Type   string `json:"type"`
	// Symbol is the symbol's name, the section's for a section symbol
	// (as llvm-readelf shows it); absent for symbol index 0.
	Symbol string `json:"symbol,omitempty"`
	// Addend is r_addend in a RELA table; in a REL table the implicit
	// addend the linker read at the place, when it applied the record.
	Addend string `json:"addend,omitempty"`
	// Value is what the linker produced, when it applied the record:
	// with Stored, the Size bytes it wrote at the place; without, an
	// instruction field's formula result, which kldcheck does not encode.
	Value  string `json:"value,omitempty"`
	Size   int    `json:"size,omitempty"`
	Stored bool   `json:"stored,omitempty"`

	offset    uint64 // for the text form
	addend    int64
	hasAddend bool
}

func signedHex(v int64) string {
	if v < 0 {
		return fmt.Sprintf("-%#x", uint64(-v))
	}
	return fmt.Sprintf("%#x", v)
}

// NewRelocsInfo lists the relocation records of f, in table order, with
// what run says the linker made of each.
func NewRelocsInfo(f *kobj.File, run *RelocRun) *RelocsInfo {
	ri := &RelocsInfo{Simulated: run.Simulated, Refused: run.Refused, Tables: []RelocTableJSON{}}
	if run.Simulated {
		ri.LoadAddress = hex(run.Address)
	}
	for _, t := range f.RelocTables {
		tj := RelocTableJSON{Name: t.Name, RELA: t.RELA, Relocations: []RelocJSON{}}
		for i := range t.Relocs {
			r := &t.Relocs[i]
			rj := RelocJSON{Offset: hex(r.Offset), Type: f.Arch.RelocName(r.Type), Symbol: relocSymbol(f, t, r), offset: r.Offset}
			if t.RELA {
				rj.Addend, rj.addend, rj.hasAddend = signedHex(r.Addend), r.Addend, true
			}
			if a, ok := run.Applied[r]; ok {
				if !t.RELA && a.Stored {
					rj.Addend, rj.addend, rj.hasAddend = signedHex(a.Addend), a.Addend, true
				}
				rj.Value, rj.Size, rj.Stored = hex(a.Value), a.Size, a.Stored
			}
			tj.Relocations = append(tj.Relocations, rj)
		}
		ri.Tables = append(ri.Tables, tj)
	}
	return ri
}

// relocSymbol names a record's symbol as llvm-readelf does.
func relocSymbol(f *kobj.File, t *kobj.RelocTable, r *kobj.Reloc) string {
	syms := f.SymbolsOf(t)
	if r.Sym == 0 || int(r.Sym) >= len(syms) {
		return ""
	}
	s := &syms[r.Sym]
	if s.Type == elf.STT_SECTION && s.InSection() && int(s.Section) < len(f.Sections) {
		return f.Sections[s.Section].Name
	}
	return s.Name
}

// writeRelocsText lists the tables as llvm-readelf -r does (offset, type,
// symbol and addend, REL records with the addend read at the place), with
// a last column for the value stored.
func writeRelocsText(b *strings.Builder, f *kobj.File, ri *RelocsInfo) {
	escapeStrings(ri)
	switch {
	case !ri.Simulated:
		fmt.Fprintf(b, "%s: a kernel: no kernel linker applies its relocations\n", kobj.Printable(f.Path))
	case ri.Refused != "":
		fmt.Fprintf(b, "%s: load refused (%s): values only for the records applied before\n", kobj.Printable(f.Path), kobj.Printable(ri.Refused))
	default:
		fmt.Fprintf(b, "%s: loaded at %s by the simulated kernel linker\n", kobj.Printable(f.Path), ri.LoadAddress)
	}
	width := 2 * f.Arch.PtrSize
	for _, t := range ri.Tables {
		fmt.Fprintf(b, "\nRelocation section '%s' contains %d entries:\n", kobj.Printable(t.Name), len(t.Relocations))
		fmt.Fprintf(b, "%-*s  %-24s %-40s %s\n", width, "Offset", "Type", "Symbol's Name + Addend", "Stored")
		for _, r := range t.Relocations {
			sym := kobj.Printable(r.Symbol)
			if r.hasAddend {
				op, mag := "+", uint64(r.addend)
				if r.addend < 0 {
					op, mag = "-", uint64(-r.addend)
				}
				switch {
				case sym == "" && op == "+":
					sym = fmt.Sprintf("%x", mag)
				case sym == "":
					sym = fmt.Sprintf("-%x", mag)
				default:
					sym += fmt.Sprintf(" %s %x", op, mag)
				}
			}
			val := "-"
			switch {
			case r.Stored:
				val = r.Value
			case r.Value != "":
				val = r.Value + " (instruction field, not encoded)"
			}
			fmt.Fprintf(b, "%0*x  %-24s %-40s %s\n", width, r.offset, r.Type, sym, val)
		}
	}
}
