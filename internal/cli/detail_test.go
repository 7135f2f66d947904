package cli

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/readelf"
	"github.com/kldcheck/kldcheck/internal/testutil"
)

// detailDoc is the JSON of info --symbols --relocs, as a consumer reads it.
type detailDoc struct {
	Files []struct {
		File             string
		Exports, Imports []struct {
			Name, Value, Section, Set, NM, Bind string
		}
		Simulated   bool
		LoadAddress string `json:"load_address"`
		Refused     string
		Tables      []struct {
			Name        string
			RELA        bool
			Relocations []struct {
				Offset, Type, Symbol, Addend, Value string
				Size                                int
				Stored                              bool
			}
		}
	}
}

func detail(t *testing.T, flag, path string) detailDoc {
	t.Helper()
	code, out, stderr := run("info", flag, "--format", "json", path)
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc detailDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Files) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	return doc
}

func capture(t *testing.T, fx testutil.Fixture, kind string) string { return fx.ReadCapture(t, kind) }

func hexValue(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

// What info --symbols lists agrees with llvm-readelf -s under the kernel
// linker's rule, applied here to readelf's rows: a relocatable module
// offers the non-local symbols of .symtab, anything else those of .dynsym
// (when it has a SysV hash table); a symbol counts when defined, or an
// undefined function with an address; the first of a name wins. Imports
// are the other named non-local undefined symbols of that table. Each
// export's linker set is the set_* section readelf gives it.
func TestInfoSymbolsMatchReadelf(t *testing.T) {
	testutil.Each(t, func(t *testing.T, fx testutil.Fixture) {
		syms, err := readelf.Symbols(capture(t, fx, "symbols"))
		if err != nil {
			t.Fatal(err)
		}
		secs, err := readelf.Sections(capture(t, fx, "sections"))
		if err != nil {
			t.Fatal(err)
		}
		rel := strings.Contains(capture(t, fx, "headers"), "REL (Relocatable file)")
		table, hashed := ".dynsym", false
		for _, s := range secs {
			hashed = hashed || s.Type == "HASH" // link_elf.c reads DT_HASH only
		}
		if rel {
			table, hashed = ".symtab", true
		}
		type sym struct{ value, set string }
		exports, imports, seen := map[string]sym{}, map[string]bool{}, map[string]bool{}
		for _, s := range syms {
			if s.Table != table || s.Name == "" || s.Bind == "LOCAL" {
				continue
			}
			offered := s.Ndx != "UND" || s.Value != 0 && (s.Type == "FUNC" || s.Type == "IFUNC")
			switch {
			case offered && hashed && !seen[s.Name]:
				set := ""
				if i, err := strconv.Atoi(s.Ndx); err == nil && i < len(secs) && strings.HasPrefix(secs[i].Name, "set_") {
					set = secs[i].Name
				}
				exports[s.Name] = sym{"0x" + strconv.FormatUint(s.Value, 16), set}
			case s.Ndx == "UND":
				imports[s.Name+map[bool]string{true: " weak"}[s.Bind == "WEAK"]] = true
			}
			seen[s.Name] = true
		}
		doc := detail(t, "--symbols", fx.Path).Files[0]
		got := map[string]sym{}
		for _, s := range doc.Exports {
			got[s.Name] = sym{s.Value, s.Set}
		}
		gotImports := map[string]bool{}
		for _, s := range doc.Imports {
			weak := s.NM == "w" || s.NM == "v"
			if weak != (s.Bind == "STB_WEAK") || !weak && s.NM != "U" {
				t.Errorf("import %s: nm letter %s for %s", s.Name, s.NM, s.Bind)
			}
			gotImports[s.Name+map[bool]string{true: " weak"}[weak]] = true
		}
		if len(got) != len(doc.Exports) || len(gotImports) != len(doc.Imports) {
			t.Errorf("a name listed twice: %+v", doc)
		}
		for n, w := range exports {
			if got[n] != w {
				t.Errorf("export %s: %+v, readelf %+v", n, got[n], w)
			}
		}
		for n := range got {
			if _, ok := exports[n]; !ok {
				t.Errorf("export %s not offered by readelf's rows", n)
			}
		}
		for n := range imports {
			if !gotImports[n] {
				t.Errorf("import %s missing", n)
			}
		}
		for n := range gotImports {
			if !imports[n] {
				t.Errorf("import %s not in readelf's rows", n)
			}
		}
		if len(exports)+len(imports) == 0 {
			t.Error("nothing to compare")
		}
	})
}

// llvmSpelling maps the names Go's debug/elf and LLVM spell differently.
var llvmSpelling = map[string]string{"R_386_JMP_SLOT": "R_386_JUMP_SLOT"}

// info --relocs lists what llvm-readelf -r lists, record for record: table,
// offset, type, symbol and (RELA) addend. Each value is what the
// simulated linker stored: a RELATIVE record of a loaded shared object
// stores the load address plus readelf's addend, or, when the addend lies
// in the module's own set_vnet or set_pcpu, an address elsewhere (its copy
// in module space).
func TestInfoRelocsMatchReadelf(t *testing.T) {
	testutil.Each(t, func(t *testing.T, fx testutil.Fixture) {
		want, err := readelf.Relocs(capture(t, fx, "relocs"))
		if err != nil {
			t.Fatal(err)
		}
		secs, err := readelf.Sections(capture(t, fx, "sections"))
		if err != nil {
			t.Fatal(err)
		}
		inSet := func(a uint64) bool {
			for _, s := range secs {
				if (s.Name == "set_vnet" || s.Name == "set_pcpu") && a >= s.Addr && a < s.Addr+s.Size {
					return true
				}
			}
			return false
		}
		doc := detail(t, "--relocs", fx.Path).Files[0]
		if doc.Simulated != (fx.Name != "kernel") {
			t.Errorf("simulated %v for %s", doc.Simulated, fx.Name)
		}
		i, values := 0, 0
		for _, tab := range doc.Tables {
			for _, r := range tab.Relocations {
				if i >= len(want) {
					t.Fatalf("more records than readelf's %d", len(want))
				}
				w := want[i]
				i++
				typ := r.Type
				if l, ok := llvmSpelling[typ]; ok {
					typ = l
				}
				if tab.Name != w.Section || tab.RELA != w.RELA || hexValue(t, r.Offset) != w.Offset || typ != w.Type || r.Symbol != w.Symbol {
					t.Errorf("record %d: %s %+v, readelf %+v", i-1, tab.Name, r, w)
				}
				if w.RELA && (r.Addend == "" || int64(hexSigned(t, r.Addend)) != w.Addend) {
					t.Errorf("record %d: addend %q, readelf %d", i-1, r.Addend, w.Addend)
				}
				if r.Value != "" {
					values++
				}
				if !strings.HasSuffix(w.Type, "_RELATIVE") || !w.RELA || doc.Refused != "" || !doc.Simulated {
					continue // a kernel (a -pie one has RELATIVE records) is not relocated
				}
				if !r.Stored || r.Value == "" {
					t.Errorf("RELATIVE at %s: no value stored", r.Offset)
					continue
				}
				direct := hexValue(t, doc.LoadAddress) + uint64(w.Addend)
				if r.Size == 4 {
					direct = uint64(uint32(direct))
				}
				if got := hexValue(t, r.Value); inSet(uint64(w.Addend)) {
					if got == direct {
						t.Errorf("RELATIVE at %s to a set variable stores the unmoved %#x", r.Offset, got)
					}
				} else if got != direct {
					t.Errorf("RELATIVE at %s stores %#x, load address + addend is %#x", r.Offset, got, direct)
				}
			}
		}
		if i != len(want) {
			t.Errorf("%d records, readelf %d", i, len(want))
		}
		if doc.Simulated && doc.Refused == "" && values == 0 {
			t.Error("a loaded module, but no value stored")
		}
	})
}

func hexSigned(t *testing.T, s string) int64 {
	if strings.HasPrefix(s, "-") {
		return -int64(hexValue(t, s[1:]))
	}
	return int64(hexValue(t, s))
}

// The text form of --relocs has one row per record under each table's
// heading, offsets as readelf prints them; --symbols lists nm-style rows.
func TestInfoDetailText(t *testing.T) {
	p := testutil.Root(t) + "/testdata/arm64/vnet_user.ko"
	code, out, _ := run("info", "--symbols", "--relocs", p)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, line := range []string{
		p + ": loaded at 0x",
		"Relocation section '.rela.dyn' contains 23 entries:",
		"00000000000209a8  R_AARCH64_GLOB_DAT       vnet_entry_owner_enable + 0",
		"0000000000020810  R_AARCH64_RELATIVE       20880 ",
		"0000000000020800 D __start_set_vnet  set_vnet",
		"                 U vnet_entry_layer3_chain",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("missing %q in:\n%s", line, out)
		}
	}
}
