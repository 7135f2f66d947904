package linker

import (
	"cmp"
	"debug/elf"
	"slices"

	"github.com/kldcheck/kldcheck/kobj"
)

// Exports returns the symbols obj offers other files under the linker's
// own rule (LookupSymbol): each named entry of the tables that rule
// searches (.dynsym of a shared object or kernel, and with leak its
// .symtab; the .symtab of a relocatable module) that a lookup of its name
// finds, in table order. A later entry of a name found earlier is left out.
func Exports(obj *kobj.File, v Visibility) []*kobj.Symbol {
	leak := v.LeakLocals
	// LookupSymbol's rule applied to every name in one walk, without the
	// name index: an entry is offered when it is the first of its name that
	// the lookup accepts, in the order the lookup searches the tables.
	var out []*kobj.Symbol
	n := 0 // the entries a lookup may accept: the map's size, so it never grows
	for _, tab := range [][]kobj.Symbol{obj.DynSymbols, obj.Symbols} {
		for i := range tab {
			if offered(&tab[i], leak) {
				n++
			}
		}
	}
	won := make(map[string]bool, n)
	offer := func(tab []kobj.Symbol, locals bool) {
		for i := range tab {
			s := &tab[i]
			if s.Name != "" && !won[s.Name] && offered(s, locals) {
				won[s.Name] = true
				out = append(out, s)
			}
		}
	}
	switch {
	case obj.Type == elf.ET_REL:
		offer(obj.Symbols, leak)
	case obj.HasHash:
		offer(obj.DynSymbols, false)
		if leak {
			offer(obj.Symbols, true)
		}
	case leak && v.HashlessFullScan:
		offer(obj.Symbols, true)
	}
	return out
}

// Imports returns the symbols obj needs from other files: the undefined,
// named, non-local entries of the table its relocations resolve through
// (.dynsym of a shared object, the .symtab of a relocatable module) that
// Exports does not list, in table order.
func Imports(obj *kobj.File) []*kobj.Symbol {
	tab := obj.DynSymbols
	if obj.Type == elf.ET_REL {
		tab = obj.Symbols
	}
	var out []*kobj.Symbol
	for i := range tab {
		s := &tab[i]
		if s.Name == "" || s.Section != elf.SHN_UNDEF || s.Bind == elf.STB_LOCAL {
			continue
		}
		if d, ok := LookupSymbol(obj, s.Name, Visibility{}); ok && d == s {
			continue // an undefined function with an address: exported
		}
		out = append(out, s)
	}
	return out
}

// Definers returns who-defines-what over module files, for explaining an
// undefined symbol (Options.DefinedElsewhere): the path of the first file,
// in the order given, that offers the symbol to other files under the
// linker's own rule (Exports), or "".
func Definers(paths []string, files map[string]*kobj.File, v Visibility) func(symbol string) string {
	names := make(map[string][]uint64, len(paths))
	for _, p := range paths {
		if f := files[p]; f != nil {
			names[p] = DefinedExports(f, v)
		}
	}
	return DefinersOf(paths, names)
}

// DefinedExports returns the hashes (NameHash) of the names of the symbols
// of a module file that Exports lists and that are defined in it (nil for a
// kernel): what Definers needs of a file, in 8 bytes a name, without
// holding its parse or its strings (a tree exports some 10^5 to 10^6).
func DefinedExports(obj *kobj.File, v Visibility) []uint64 {
	if obj.Kind != kobj.Module {
		return nil
	}
	var out []uint64
	for _, s := range Exports(obj, v) {
		if s.Defined() {
			out = append(out, NameHash(s.Name))
		}
	}
	return out
}

// NameHash is the 64-bit FNV-1a hash of a symbol name. Two names of one
// tree share a hash with odds of about n^2/2^65 (10^-8 for a million
// names); DefinersOf would then name the first file for both.
func NameHash(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h
}

// DefinersOf is Definers over the DefinedExports of each path. The index
// is two sorted arrays, 12 bytes a name (a tree whose modules leak their
// local symbols offers 10^6 of them).
func DefinersOf(paths []string, names map[string][]uint64) func(symbol string) string {
	n := 0
	for _, p := range paths {
		n += len(names[p])
	}
	type entry struct {
		hash uint64
		file int32
	}
	all := make([]entry, 0, n)
	for i, p := range paths {
		for _, h := range names[p] {
			all = append(all, entry{h, int32(i)})
		}
	}
	slices.SortFunc(all, func(a, b entry) int {
		if c := cmp.Compare(a.hash, b.hash); c != 0 {
			return c
		}
		return cmp.Compare(a.file, b.file)
	})
	hashes := make([]uint64, 0, len(all))
	files := make([]int32, 0, len(all))
	for i, e := range all {
		if i == 0 || e.hash != all[i-1].hash { // the first file in path order
			hashes = append(hashes, e.hash)
			files = append(files, e.file)
		}
	}
	all = nil
	return func(symbol string) string {
		if i, ok := slices.BinarySearch(hashes, NameHash(symbol)); ok {
			return paths[files[i]]
		}
		return ""
	}
}
