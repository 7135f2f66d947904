package report

import (
	"debug/elf"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
)

// DetailDoc is the JSON document of `kldcheck info --symbols` and
// `kldcheck info --relocs`.
type DetailDoc struct {
	Files []FileDetail `json:"files"`
}

// FileDetail is one file's symbols (--symbols) and relocations (--relocs),
// each present when asked for.
type FileDetail struct {
	File string `json:"file"`
	*SymbolsInfo
	*RelocsInfo
}

// SymbolsInfo is what a file exports and imports.
type SymbolsInfo struct {
	// Exports are the symbols other files can link against, by the kernel
	// linker's rule (linker.Exports, without leak_locals); Imports the
	// undefined ones it needs from them (linker.Imports). Both sorted by
	// name.
	Exports []SymbolJSON `json:"exports"`
	Imports []SymbolJSON `json:"imports"`
}

// SymbolJSON is one symbol.
type SymbolJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"` // st_value
	Size  uint64 `json:"size"`
	Type  string `json:"type"` // STT_*
	Bind  string `json:"bind"` // STB_*
	// Section names the section defining the symbol (ABS, COMMON for
	// those); absent for undefined symbols. Set is the linker set it lies
	// in (a section named set_*).
	Section string `json:"section,omitempty"`
	Set     string `json:"set,omitempty"`
	// NM is the letter nm(1) shows: T D B R for text, data, bss, read-only
	// data, A absolute, C common, W V weak, i ifunc, U undefined, w v weak
	// undefined.
	NM string `json:"nm"`

	value uint64 // Value, for the text form
}

// NewSymbolsInfo lists a file's exports and imports.
func NewSymbolsInfo(f *kobj.File) *SymbolsInfo {
	conv := func(syms []*kobj.Symbol) []SymbolJSON {
		out := []SymbolJSON{}
		for _, s := range syms {
			sj := SymbolJSON{Name: s.Name, Value: hex(s.Value), Size: s.Size, Type: s.Type.String(), Bind: s.Bind.String(), NM: nmLetter(f, s), value: s.Value}
			switch {
			case s.Section == elf.SHN_ABS:
				sj.Section = "ABS"
			case s.Section == elf.SHN_COMMON:
				sj.Section = "COMMON"
			case s.InSection() && int(s.Section) < len(f.Sections):
				sj.Section = f.Sections[s.Section].Name
				if strings.HasPrefix(sj.Section, "set_") {
					sj.Set = sj.Section
				}
			}
			out = append(out, sj)
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out
	}
	return &SymbolsInfo{Exports: conv(linker.Exports(f, linker.Visibility{})), Imports: conv(linker.Imports(f))}
}

// nmLetter classifies a symbol as nm(1) does.
func nmLetter(f *kobj.File, s *kobj.Symbol) string {
	weak, object := s.Bind == elf.STB_WEAK, s.Type == elf.STT_OBJECT
	var c byte
	switch {
	case s.Section == elf.SHN_UNDEF:
		switch {
		case weak && object:
			return "v"
		case weak:
			return "w"
		}
		return "U"
	case weak && object:
		return "V"
	case weak:
		return "W"
	case s.Type == elf.STT_GNU_IFUNC:
		return "i"
	case s.Section == elf.SHN_ABS:
		c = 'A'
	case s.Section == elf.SHN_COMMON:
		c = 'C'
	case int(s.Section) < len(f.Sections):
		sec := f.Sections[s.Section]
		switch {
		case sec.Flags&elf.SHF_EXECINSTR != 0:
			c = 'T'
		case sec.Type == elf.SHT_NOBITS:
			c = 'B'
		case sec.Flags&elf.SHF_WRITE != 0:
			c = 'D'
		case sec.Flags&elf.SHF_ALLOC != 0:
			c = 'R'
		default:
			c = 'N'
		}
	default:
		c = '?'
	}
	if s.Bind == elf.STB_LOCAL {
		c += 'a' - 'A'
	}
	return string(c)
}

// writeSymbolsText writes the nm -g and nm -u style listing of a file:
// value, letter, name and the linker set, exports then imports.
func writeSymbolsText(b *strings.Builder, f *kobj.File, si *SymbolsInfo) {
	width := 2 * f.Arch.PtrSize
	for _, s := range si.Exports {
		fmt.Fprintf(b, "%0*x %s %s", width, s.value, s.NM, kobj.Printable(s.Name))
		if s.Set != "" {
			fmt.Fprintf(b, "  %s", s.Set)
		}
		b.WriteByte('\n')
	}
	for _, s := range si.Imports {
		fmt.Fprintf(b, "%*s %s %s\n", width, "", s.NM, kobj.Printable(s.Name))
	}
}

// WriteDetailText writes the --symbols and --relocs listings of each file,
// each file under a line naming it.
func WriteDetailText(w io.Writer, files []*kobj.File, doc DetailDoc) error {
	var b strings.Builder
	for i, fd := range doc.Files {
		if i > 0 {
			b.WriteByte('\n')
		}
		f := files[i]
		if fd.SymbolsInfo != nil {
			fmt.Fprintf(&b, "%s: %d exported, %d imported symbols\n", kobj.Printable(f.Path), len(fd.Exports), len(fd.Imports))
			writeSymbolsText(&b, f, fd.SymbolsInfo)
		}
		if fd.RelocsInfo != nil {
			if fd.SymbolsInfo != nil {
				b.WriteByte('\n')
			}
			writeRelocsText(&b, f, fd.RelocsInfo)
		}
	}
	_, err := io.WriteString(w, terminalSafe(b.String()))
	return err
}
