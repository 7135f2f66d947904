package linker

import "github.com/kldcheck/kldcheck/kobj"

// Definers returns who-defines-what over module files, for explaining an
// undefined symbol (Options.DefinedElsewhere): the path of the first file,
// in the order given, that offers the symbol to other files under the
// linker's own rule (LookupSymbol), or "". The index is built once, from
// the names in each file's symbol tables, each confirmed with LookupSymbol.
func Definers(paths []string, files map[string]*kobj.File, leak bool) func(symbol string) string {
	index := map[string]string{}
	for _, p := range paths {
		f := files[p]
		if f == nil || f.Kind != kobj.Module {
			continue
		}
		for _, tab := range [][]kobj.Symbol{f.DynSymbols, f.Symbols} {
			for i := range tab {
				name := tab[i].Name
				if name == "" || !tab[i].Defined() {
					continue
				}
				if _, done := index[name]; done {
					continue
				}
				if s, ok := LookupSymbol(f, name, leak); ok && s.Defined() {
					index[name] = p
				}
			}
		}
	}
	return func(symbol string) string { return index[symbol] }
}
