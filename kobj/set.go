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
		f.Sets = append(f.Sets, set)
	}
	f.setSymbols()
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

// setSymbols lists, for every set, the data and object symbols defined in its
// section, merging .symtab and .dynsym by name: one walk of the tables for
// all sets.
func (f *File) setSymbols() {
	if len(f.Sets) == 0 {
		return
	}
	bySection := make(map[int]*LinkerSet, len(f.Sets))
	for _, set := range f.Sets {
		bySection[set.Section.Index] = set
	}
	seen := make(map[*LinkerSet]map[string]int) // for sets past smallSet entries
	for _, tab := range [][]Symbol{f.Symbols, f.DynSymbols} {
		for i := range tab {
			s := &tab[i]
			if s.Name == "" || !s.InSection() {
				continue
			}
			set := bySection[int(s.Section)]
			// Leave out the set bounds and the ARM/AArch64/RISC-V mapping
			// symbols ($d, $x, $a, $t), which mark code and data, not variables.
			if set == nil || strings.HasPrefix(s.Name, "__start_") || strings.HasPrefix(s.Name, "__stop_") || s.Name[0] == '$' {
				continue
			}
			sec := set.Section
			if s.Addr < sec.Addr {
				continue
			}
			global := s.Bind != elf.STB_LOCAL
			if j := set.find(s.Name, seen); j >= 0 {
				set.Symbols[j].Global = set.Symbols[j].Global || global
				continue
			}
			if names := seen[set]; names != nil {
				names[s.Name] = len(set.Symbols)
			}
			set.Symbols = append(set.Symbols, SetSymbol{Name: s.Name, Offset: s.Addr - sec.Addr, Size: s.Size, Global: global})
		}
	}
	for _, set := range f.Sets {
		sort.SliceStable(set.Symbols, func(i, j int) bool {
			a, b := &set.Symbols[i], &set.Symbols[j]
			if a.Offset != b.Offset {
				return a.Offset < b.Offset
			}
			return a.Name < b.Name
		})
	}
}

// smallSet is the size up to which a set's symbols are searched by name
// directly rather than through a map.
const smallSet = 16

// find returns the index of the set's symbol called name, or -1. Past
// smallSet entries it indexes them in seen[set] (kept up to date by the
// caller) and looks there.
func (set *LinkerSet) find(name string, seen map[*LinkerSet]map[string]int) int {
	if names := seen[set]; names != nil {
		if j, ok := names[name]; ok {
			return j
		}
		return -1
	}
	for j := range set.Symbols {
		if set.Symbols[j].Name == name {
			return j
		}
	}
	if len(set.Symbols) >= smallSet {
		names := make(map[string]int, 2*len(set.Symbols))
		for j := range set.Symbols {
			names[set.Symbols[j].Name] = j
		}
		seen[set] = names
	}
	return -1
}
