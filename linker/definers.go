package linker

import (
	"debug/elf"

	"github.com/kldcheck/kldcheck/kobj"
)

// Exports returns the symbols obj offers other files under the linker's
// own rule (LookupSymbol): each named entry of the tables that rule
// searches (.dynsym of a shared object or kernel, and with leak its
// .symtab; the .symtab of a relocatable module) that a lookup of its name
// finds, in table order. A later entry of a name found earlier is left out.
func Exports(obj *kobj.File, leak bool) []*kobj.Symbol {
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
		if d, ok := LookupSymbol(obj, s.Name, false); ok && d == s {
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
func Definers(paths []string, files map[string]*kobj.File, leak bool) func(symbol string) string {
	names := make(map[string][]string, len(paths))
	for _, p := range paths {
		if f := files[p]; f != nil {
			names[p] = DefinedExports(f, leak)
		}
	}
	return DefinersOf(paths, names)
}

// DefinedExports returns the names of the symbols of a module file that
// Exports lists and that are defined in it (nil for a kernel): what
// Definers needs of a file, without holding its parse.
func DefinedExports(obj *kobj.File, leak bool) []string {
	if obj.Kind != kobj.Module {
		return nil
	}
	var out []string
	for _, s := range Exports(obj, leak) {
		if s.Defined() {
			out = append(out, s.Name)
		}
	}
	return out
}

// DefinersOf is Definers over the DefinedExports of each path.
func DefinersOf(paths []string, names map[string][]string) func(symbol string) string {
	n := 0
	for _, p := range paths {
		n += len(names[p])
	}
	index := make(map[string]int32, n) // into paths: a tree has 10^5 names
	for i, p := range paths {
		for _, n := range names[p] {
			if _, done := index[n]; !done {
				index[n] = int32(i)
			}
		}
	}
	return func(symbol string) string {
		if i, ok := index[symbol]; ok {
			return paths[i]
		}
		return ""
	}
}
