package kobj

import (
	"debug/elf"
	"fmt"
	"reflect"
	"sort"
	"testing"
)

// setSymbols merges entries by name alike for small sets (searched
// directly) and large ones (through a map), as a plain map-based merge does.
func TestSetSymbolsMerge(t *testing.T) {
	for _, n := range []int{3, smallSet - 1, smallSet, 3 * smallSet} {
		sec := &Section{Index: 1, Name: "set_vnet", Addr: 0x1000, Size: 0x10000}
		var syms, dyn []Symbol
		syms = append(syms, Symbol{})
		for i := range n {
			// Every third name twice, once local at a later offset.
			s := Symbol{Name: fmt.Sprintf("vnet_entry_v%d", i%(n-n/3)), Section: 1, Addr: 0x1000 + uint64(8*i), Size: 8, Bind: elf.STB_LOCAL}
			if i%2 == 0 {
				s.Bind = elf.STB_GLOBAL
			}
			syms = append(syms, s)
		}
		dyn = append(dyn, Symbol{}, Symbol{Name: "vnet_entry_v1", Section: 1, Addr: 0x1008, Size: 8, Bind: elf.STB_GLOBAL},
			Symbol{Name: "vnet_entry_dynonly", Section: 1, Addr: 0x1800, Size: 8, Bind: elf.STB_GLOBAL})
		f := &File{Sections: []*Section{{}, sec}, Symbols: syms, DynSymbols: dyn}
		f.Sets = []*LinkerSet{{Name: sec.Name, Section: sec}}
		f.setSymbols()

		var want []SetSymbol
		seen := map[string]int{}
		for _, tab := range [][]Symbol{syms, dyn} {
			for _, s := range tab[1:] {
				g := s.Bind != elf.STB_LOCAL
				if j, ok := seen[s.Name]; ok {
					want[j].Global = want[j].Global || g
					continue
				}
				seen[s.Name] = len(want)
				want = append(want, SetSymbol{Name: s.Name, Offset: s.Addr - sec.Addr, Size: s.Size, Global: g})
			}
		}
		sort.SliceStable(want, func(i, j int) bool {
			if want[i].Offset != want[j].Offset {
				return want[i].Offset < want[j].Offset
			}
			return want[i].Name < want[j].Name
		})
		if got := f.Sets[0].Symbols; !reflect.DeepEqual(got, want) {
			t.Errorf("%d entries: got %v\nwant %v", n, got, want)
		}
	}
}
