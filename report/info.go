// Package report renders what kldcheck found for people (text) and for
// programs (JSON). The JSON field names are a stable interface, documented in
// docs/json.md.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
)

// Info is the JSON document of `kldcheck info`.
type Info struct {
	Files []FileInfo `json:"files"`
}

// FileInfo describes one kernel or module file.
type FileInfo struct {
	File        string         `json:"file"`
	Kind        string         `json:"kind"` // "module" or "kernel"
	Arch        string         `json:"arch"` // FreeBSD MACHINE_ARCH
	Type        string         `json:"type"` // ELF type: ET_REL, ET_DYN, ET_EXEC
	Class       string         `json:"class"`
	Endian      string         `json:"endian"`
	Machine     string         `json:"machine"`
	Relocations map[string]int `json:"relocations"`
	Sets        []SetInfo      `json:"sets"`
	Modules     []ModuleInfo   `json:"modules"`
	Depends     []DependInfo   `json:"depends_on"`
	OSRelDate   int            `json:"osreldate,omitempty"`
	Version     string         `json:"version,omitempty"`
	DebugLink   string         `json:"debuglink,omitempty"`
}

// SetInfo describes one linker set. Addresses are hexadecimal strings (kernel
// addresses do not fit a JSON number exactly).
type SetInfo struct {
	Name    string          `json:"name"`
	Address string          `json:"address"`
	Size    uint64          `json:"size"`
	Start   string          `json:"start,omitempty"` // __start_<set>, when defined
	Stop    string          `json:"stop,omitempty"`  // __stop_<set>, when defined
	Symbols []SetSymbolInfo `json:"symbols"`
}

// SetSymbolInfo is a symbol inside a linker set.
type SetSymbolInfo struct {
	Name   string `json:"name"`
	Offset uint64 `json:"offset"`
	Size   uint64 `json:"size"`
	Global bool   `json:"global"`
}

// ModuleInfo is a module the file declares, with its MODULE_VERSION.
type ModuleInfo struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
}

// DependInfo is one MODULE_DEPEND record.
type DependInfo struct {
	Module    string `json:"module"`
	Min       int    `json:"min"`
	Preferred int    `json:"preferred"`
	Max       int    `json:"max"`
}

// Paths returns the files' paths, as a document's inputs.
func Paths(files []*kobj.File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}

func hex(v uint64) string { return fmt.Sprintf("%#x", v) }

// NewFileInfo summarises a parsed file.
func NewFileInfo(f *kobj.File) FileInfo {
	fi := FileInfo{
		File: f.Path, Kind: f.Kind.String(), Arch: f.Arch.Name, Type: f.Type.String(),
		Class: f.Arch.Class.String(), Endian: endian(f), Machine: f.Arch.Machine.String(),
		Relocations: f.RelocCounts(), Sets: []SetInfo{}, Modules: []ModuleInfo{}, Depends: []DependInfo{},
		OSRelDate: f.OSRelDate, Version: f.Version, DebugLink: f.DebugLink,
	}
	for _, s := range f.Sets {
		si := SetInfo{Name: s.Name, Address: hex(s.Addr()), Size: s.Size(), Symbols: []SetSymbolInfo{}}
		if s.HasBounds {
			si.Start, si.Stop = hex(s.Start), hex(s.Stop)
		}
		for _, sym := range s.Symbols {
			si.Symbols = append(si.Symbols, SetSymbolInfo{Name: sym.Name, Offset: sym.Offset, Size: sym.Size, Global: sym.Global})
		}
		fi.Sets = append(fi.Sets, si)
	}
	for _, m := range f.Modules() {
		fi.Modules = append(fi.Modules, ModuleInfo{Name: m.Name, Version: m.Version})
	}
	for _, d := range f.Depends() {
		fi.Depends = append(fi.Depends, DependInfo{Module: d.Name, Min: d.Min, Preferred: d.Preferred, Max: d.Max})
	}
	return fi
}

func endian(f *kobj.File) string {
	if f.Arch.ByteOrder().String() == "BigEndian" {
		return "big"
	}
	return "little"
}

// WriteInfoJSON writes the JSON document for files.
func WriteInfoJSON(w io.Writer, files []*kobj.File) error {
	doc := Info{Files: []FileInfo{}}
	for _, f := range files {
		doc.Files = append(doc.Files, NewFileInfo(f))
	}
	return WriteDocument(w, "info", Inputs{Args: Paths(files)}, doc)
}

// WriteInfoText writes a readable summary of each file.
func WriteInfoText(w io.Writer, files []*kobj.File) error {
	var b strings.Builder
	for i, f := range files {
		if i > 0 {
			b.WriteByte('\n')
		}
		writeFileText(&b, f)
	}
	_, err := io.WriteString(w, terminalSafe(b.String()))
	return err
}

func writeFileText(b *strings.Builder, f *kobj.File) {
	fi := NewFileInfo(f)
	escapeStrings(&fi)
	fmt.Fprintf(b, "%s: %s %s (ELF%d %s-endian %s, %s), %d bytes\n",
		kobj.Printable(f.Path), fi.Arch, fi.Kind, 8*f.Arch.PtrSize, fi.Endian, strings.TrimPrefix(fi.Machine, "EM_"), fi.Type, f.Size())
	if fi.Kind == "kernel" {
		fmt.Fprintf(b, "  osreldate   %d\n", fi.OSRelDate)
		if fi.Version != "" {
			fmt.Fprintf(b, "  version     %s\n", strings.TrimSpace(strings.SplitN(fi.Version, "\n", 2)[0]))
		}
	}
	for _, m := range fi.Modules {
		fmt.Fprintf(b, "  module      %s", m.Name)
		if m.Version != 0 {
			fmt.Fprintf(b, " version %d", m.Version)
		}
		b.WriteByte('\n')
	}
	for _, d := range fi.Depends {
		fmt.Fprintf(b, "  depends on  %s %d..%d (preferred %d)\n", d.Module, d.Min, d.Max, d.Preferred)
	}
	if fi.DebugLink != "" {
		fmt.Fprintf(b, "  debuglink   %s\n", fi.DebugLink)
	}
	if len(fi.Sets) > 0 {
		b.WriteString("  linker sets:\n")
	}
	for _, s := range fi.Sets {
		bounds := "no __start/__stop symbols"
		if s.Start != "" {
			bounds = "__start " + s.Start + ", __stop " + s.Stop
		}
		fmt.Fprintf(b, "    %-22s %s %6d bytes, %s\n", s.Name, s.Address, s.Size, bounds)
		if s.Name == kobj.SetVNET || s.Name == kobj.SetPCPU {
			for _, sym := range s.Symbols {
				fmt.Fprintf(b, "      +%#-8x %6d  %s\n", sym.Offset, sym.Size, sym.Name)
			}
		} else if len(s.Symbols) > 0 {
			fmt.Fprintf(b, "      %d entries\n", len(s.Symbols))
		}
	}
	total, names := 0, make([]string, 0, len(fi.Relocations))
	for n, c := range fi.Relocations {
		total += c
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(b, "  relocations: %d in %d tables\n", total, len(f.RelocTables))
	for _, n := range names {
		fmt.Fprintf(b, "    %-28s %d\n", n, fi.Relocations[n])
	}
}
