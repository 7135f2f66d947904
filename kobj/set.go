package kobj

import (
	"debug/elf"
	"sort"
	"strings"
)

// Names FreeBSD gives the per-instance linker sets and their symbols
// (sys/net/vnet.h VNET_SETNAME/VNET_SYMPREFIX, sys/sys/pcpu.h
// DPCPU_SETNAME/DPCPU_SYMPREFIX).
const (
	SetVNET        = "set_vnet"
	SetPCPU        = "set_pcpu"
	SetModMetadata = "set_modmetadata_set"
	VNETSymPrefix  = "vnet_entry_"
	PCPUSymPrefix  = "pcpu_entry_"
)

// LinkerSet is one linker set: a section named set_<name>, bounded by the
// symbols __start_set_<name> and __stop_set_<name> where the file defines them.
type LinkerSet struct {
	Name    string // the section name, e.g. set_vnet
	Section *Section
	// Start and Stop are the bounds from __start_/__stop_ symbols; HasBounds
	// says whether the file defines both. link_elf.c finds a module's sets only
	// through these symbols; link_elf_obj.c through the section name.
	Start, Stop uint64
	HasBounds   bool
	// Symbols are the symbols defined inside the set, by address.
	Symbols []SetSymbol
}

// SetSymbol is a symbol inside a linker set.
type SetSymbol struct {
	Name   string
	Offset uint64 // from the start of the set's section
	Size   uint64
	Global bool // binding is not STB_LOCAL (in .symtab or .dynsym)
}

// Addr returns the set's address (the section's address).
func (s *LinkerSet) Addr() uint64 { return s.Section.Addr }

// Size returns the set's size in bytes (the section's size).
func (s *LinkerSet) Size() uint64 { return s.Section.Size }

// Set returns the linker set called name (e.g. "set_vnet"), or nil.
func (f *File) Set(name string) *LinkerSet {
	for _, s := range f.Sets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func (f *File) readSets() error {
	var bounds map[string]*Symbol
	for _, sec := range f.Sections {
		if !strings.HasPrefix(sec.Name, "set_") || !sec.Alloc() {
			continue
		}
		if bounds == nil {
			bounds = f.setBounds()
		}
		set := &LinkerSet{Name: sec.Name, Section: sec}
		start, okStart := bounds["__start_"+sec.Name]
		stop, okStop := bounds["__stop_"+sec.Name]
		if okStart && okStop {
			set.Start, set.Stop, set.HasBounds = start.Addr, stop.Addr, true
			if set.Stop < set.Start {
				return f.errf("linker set %s: __stop_%s (%#x) lies before __start_%s (%#x)", sec.Name, sec.Name, set.Stop, sec.Name, set.Start)
			}
		}
		set.Symbols = f.setSymbols(sec)
		f.Sets = append(f.Sets, set)
	}
	return nil
}

// setBounds finds the __start_set_* and __stop_set_* symbols as Lookup
// would (the first defined one of each name, .symtab before .dynsym) in one
// walk of the tables, without building the name index for every symbol.
func (f *File) setBounds() map[string]*Symbol {
	out := map[string]*Symbol{}
	for _, tab := range [][]Symbol{f.Symbols, f.DynSymbols} {
		for i := range tab {
			s := &tab[i]
			if !strings.HasPrefix(s.Name, "__start_set_") && !strings.HasPrefix(s.Name, "__stop_set_") || !s.Defined() {
				continue
			}
			if _, ok := out[s.Name]; !ok { // the first defined; .symtab's first
				out[s.Name] = s
			}
		}
	}
	return out
}

// setSymbols lists the data and object symbols defined in sec, merging
// .symtab and .dynsym by name.
func (f *File) setSymbols(sec *Section) []SetSymbol {
	seen := make(map[string]int)
	var out []SetSymbol
	for _, tab := range [][]Symbol{f.Symbols, f.DynSymbols} {
		for i := range tab {
			s := &tab[i]
			if s.Name == "" || !s.InSection() || int(s.Section) != sec.Index {
				continue
			}
			// Leave out the set bounds and the ARM/AArch64/RISC-V mapping
			// symbols ($d, $x, $a, $t), which mark code and data, not variables.
			if strings.HasPrefix(s.Name, "__start_") || strings.HasPrefix(s.Name, "__stop_") || s.Name[0] == '$' {
				continue
			}
			if s.Addr < sec.Addr {
				continue
			}
			global := s.Bind != elf.STB_LOCAL
			if j, ok := seen[s.Name]; ok {
				out[j].Global = out[j].Global || global
				continue
			}
			seen[s.Name] = len(out)
			out = append(out, SetSymbol{Name: s.Name, Offset: s.Addr - sec.Addr, Size: s.Size, Global: global})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Offset != out[j].Offset {
			return out[i].Offset < out[j].Offset
		}
		return out[i].Name < out[j].Name
	})
	return out
}
