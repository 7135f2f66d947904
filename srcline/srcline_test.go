package srcline_test

import (
	"bufio"
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/srcline"
)

func openModule(t *testing.T, path string) *kobj.File {
	t.Helper()
	f, err := kobj.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func openTable(t *testing.T, mod *kobj.File, debugDirs ...string) *srcline.Table {
	t.Helper()
	tab, err := srcline.Open(mod, debugDirs)
	if err != nil {
		t.Fatal(err)
	}
	if tab == nil {
		t.Fatalf("%s: no debug information found", mod.Path)
	}
	return tab
}

func fixture(t *testing.T, rel ...string) string {
	return filepath.Join(append([]string{testutil.Root(t), "testdata"}, rel...)...)
}

func local(rel ...string) string { return filepath.Join(append([]string{"testdata"}, rel...)...) }

// functions returns the function symbols of mod's .symtab (those with code).
func functions(mod *kobj.File) []kobj.Symbol {
	var out []kobj.Symbol
	for _, s := range mod.Symbols {
		if s.Type == elf.STT_FUNC && s.InSection() && s.Size > 0 {
			out = append(out, s)
		}
	}
	return out
}

// funcLines returns, from the C source, the line of "name(" at the start of
// a line (FreeBSD style: the return type is on the line before) and the line
// of the closing brace of its body.
func funcLines(t *testing.T, src, name string) (def, end int) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, name+"(") {
			def = i + 1
			continue
		}
		if def != 0 && l == "}" {
			return def, i + 1
		}
	}
	t.Fatalf("%s: no definition of %s", src, name)
	return 0, 0
}

// Line at each function's entry, on every ET_DYN flavour and the ET_REL amd64
// modules. The expected lines were captured with
//
//	llvm-symbolizer-16 --no-inlines --obj=testdata/<arch>/<module> 0x<addr>
//
// at the symbol address llvm-nm-16 prints (the section offset for amd64,
// whose .text is laid out at 0), and each is also checked against the source:
// it must lie between the function's "name(" line and its closing brace
// (clang attributes the entry to the "{" line, or with two rows at the entry
// address to the first statement, and llvm-symbolizer takes the last row).
func TestLineAtFunctionEntry(t *testing.T) {
	tests := []struct {
		config, module, fn string
		line               int
	}{
		{"arm64", "vnet_user.ko", "nat_lookup", 35},
		{"arm64", "vnet_user.ko", "nat_count_rules", 49},
		{"arm64", "vnet_user.ko", "nat_hits_ptr", 59},
		{"arm64", "vnet_user.ko", "vnet_user_modevent", 67},
		{"arm64", "vnet_owner.ko", "vnet_owner_chain", 36},
		{"arm64", "vnet_owner.ko", "vnet_owner_add", 42},
		{"arm64", "vnet_owner.ko", "vnet_owner_total", 58},
		{"arm64", "vnet_owner.ko", "vnet_owner_modevent", 72},
		{"riscv64", "vnet_user.ko", "nat_lookup", 35},
		{"riscv64", "vnet_user.ko", "nat_count_rules", 49},
		{"riscv64", "vnet_user.ko", "nat_hits_ptr", 59},
		{"riscv64", "vnet_user.ko", "vnet_user_modevent", 64},
		{"riscv64", "vnet_owner.ko", "vnet_owner_chain", 36},
		{"riscv64", "vnet_owner.ko", "vnet_owner_add", 42},
		{"riscv64", "vnet_owner.ko", "vnet_owner_total", 58},
		{"riscv64", "vnet_owner.ko", "vnet_owner_modevent", 69},
		{"i386", "vnet_user.ko", "nat_lookup", 34},
		{"i386", "vnet_user.ko", "nat_count_rules", 48},
		{"i386", "vnet_user.ko", "nat_hits_ptr", 58},
		{"i386", "vnet_user.ko", "vnet_user_modevent", 64},
		{"i386", "vnet_owner.ko", "vnet_owner_chain", 35},
		{"i386", "vnet_owner.ko", "vnet_owner_add", 41},
		{"i386", "vnet_owner.ko", "vnet_owner_total", 58},
		{"i386", "vnet_owner.ko", "vnet_owner_modevent", 69},
		{"powerpc64", "vnet_user.ko", "nat_lookup", 34},
		{"powerpc64", "vnet_user.ko", "nat_count_rules", 48},
		{"powerpc64", "vnet_user.ko", "nat_hits_ptr", 58},
		{"powerpc64", "vnet_user.ko", "vnet_user_modevent", 64},
		{"powerpc64", "vnet_owner.ko", "vnet_owner_chain", 35},
		{"powerpc64", "vnet_owner.ko", "vnet_owner_add", 41},
		{"powerpc64", "vnet_owner.ko", "vnet_owner_total", 58},
		{"powerpc64", "vnet_owner.ko", "vnet_owner_modevent", 69},
		{"amd64", "vnet_user.ko", "nat_lookup", 34},
		{"amd64", "vnet_user.ko", "nat_count_rules", 48},
		{"amd64", "vnet_user.ko", "nat_hits_ptr", 58},
		{"amd64", "vnet_user.ko", "vnet_user_modevent", 64},
		{"amd64", "vnet_owner.ko", "vnet_owner_chain", 35},
		{"amd64", "vnet_owner.ko", "vnet_owner_add", 41},
		{"amd64", "vnet_owner.ko", "vnet_owner_total", 58},
		{"amd64", "vnet_owner.ko", "vnet_owner_modevent", 69},
	}
	tables := map[string]*srcline.Table{}
	mods := map[string]*kobj.File{}
	for _, tt := range tests {
		t.Run(tt.config+"/"+tt.module+"/"+tt.fn, func(t *testing.T) {
			path := fixture(t, tt.config, tt.module)
			if mods[path] == nil {
				mods[path] = openModule(t, path)
				tables[path] = openTable(t, mods[path])
			}
			mod, tab := mods[path], tables[path]
			if tab.Path != path {
				t.Errorf("DWARF read from %s, want the module itself", tab.Path)
			}
			sym, ok := mod.Lookup(tt.fn)
			if !ok {
				t.Fatalf("no symbol %s", tt.fn)
			}
			file, line, ok := tab.Line(sym.Addr)
			if !ok {
				t.Fatalf("Line(%#x): no line", sym.Addr)
			}
			src := strings.TrimSuffix(tt.module, ".ko") + ".c"
			if want := "testdata/src/" + src; file != want {
				t.Errorf("Line(%#x) file = %q, want %q", sym.Addr, file, want)
			}
			if line != tt.line {
				t.Errorf("Line(%#x) = %s:%d, want line %d (llvm-symbolizer)", sym.Addr, file, line, tt.line)
			}
			def, end := funcLines(t, fixture(t, "src", src), tt.fn)
			if line < def || line > end {
				t.Errorf("Line(%#x) = %d, outside %s's definition (lines %d-%d of %s)", sym.Addr, line, tt.fn, def, end, src)
			}
			if fn, ok := tab.Function(sym.Addr); !ok || fn != tt.fn {
				t.Errorf("Function(%#x) = %q, %v; want %q", sym.Addr, fn, ok, tt.fn)
			}
			if fn, ok := tab.Function(sym.Addr + sym.Size - 1); !ok || fn != tt.fn {
				t.Errorf("Function(%#x) (last byte) = %q, %v; want %q", sym.Addr+sym.Size-1, fn, ok, tt.fn)
			}
		})
	}
}

// symbolizer returns the path of llvm-symbolizer-16, or skips the test.
func symbolizer(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"llvm-symbolizer-16", "/usr/lib/llvm-16/bin/llvm-symbolizer"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("llvm-symbolizer-16 not installed")
	return ""
}

type symbolized struct {
	fn, file string
	line     int
	ok       bool
}

// symbolize runs llvm-symbolizer --functions=short over addrs of obj: the
// line-table row (the first, innermost frame's location) and the outermost
// function's DW_AT_name (the last frame's), which is what Line and Function
// return. (With --no-inlines, llvm-symbolizer 16 names the innermost inlined
// function at an inlined call.) (With the default --functions=linkage,
// llvm-symbolizer names the nearest symbol instead, such as riscv64's local
// .Lpcrel_hi labels.)
func symbolize(t *testing.T, tool, obj string, addrs []uint64) []symbolized {
	t.Helper()
	var in bytes.Buffer
	for _, a := range addrs {
		fmt.Fprintf(&in, "%#x\n", a)
	}
	cmd := exec.Command(tool, "--functions=short", "--obj="+obj)
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	var res []symbolized
	sc := bufio.NewScanner(bytes.NewReader(out))
	var block []string
	flush := func() {
		if len(block) == 0 {
			return
		}
		if len(block) < 2 || len(block)%2 != 0 {
			t.Fatalf("unexpected llvm-symbolizer output %q", block)
		}
		s := symbolized{fn: block[len(block)-2]}
		// file:line:column
		parts := strings.Split(block[1], ":")
		if len(parts) >= 3 {
			// debug/dwarf joins the directory and name cleanly
			// ("src/./x.h" is "src/x.h"); llvm-symbolizer does not.
			s.file = filepath.Clean(strings.Join(parts[:len(parts)-2], ":"))
			s.line, _ = strconv.Atoi(parts[len(parts)-2])
		}
		s.ok = s.file != "??"
		if !s.ok {
			s.file = "" // no line: code without debug information (a PLT resolver)
		}
		if s.fn == "??" {
			s.fn = ""
		}
		res = append(res, s)
		block = nil
	}
	for sc.Scan() {
		if l := sc.Text(); l == "" {
			flush()
		} else {
			block = append(block, l)
		}
	}
	flush()
	if len(res) != len(addrs) {
		t.Fatalf("llvm-symbolizer answered %d addresses of %d", len(res), len(addrs))
	}
	return res
}

// Every byte of every function of every fixture (kernels and modules, all
// configurations) resolves as llvm-symbolizer-16 resolves it. For the ET_REL
// amd64 modules, llvm-symbolizer is given the section offset; their only code
// section, .text, is laid out at 0, where the two agree.
func TestLineMatchesSymbolizer(t *testing.T) {
	tool := symbolizer(t)
	testutil.Each(t, func(t *testing.T, fx testutil.Fixture) {
		mod := openModule(t, fx.Path)
		tab := openTable(t, mod)
		var addrs, ours []uint64
		if len(functions(mod)) == 0 && strings.HasPrefix(fx.Name, "dataonly") {
			t.Skip("a module without code (testdata/src/dataonly.c)")
		}
		for _, s := range functions(mod) {
			if mod.Type == elf.ET_REL && mod.Sections[s.Section].Addr != 0 {
				continue
			}
			for a := s.Addr; a < s.Addr+s.Size; a++ {
				ours = append(ours, a)
				addrs = append(addrs, a-s.Addr+s.Value)
			}
		}
		if len(addrs) == 0 {
			t.Fatal("no function to look up")
		}
		want := symbolize(t, tool, fx.Path, addrs)
		bad := 0
		for i, a := range ours {
			file, line, ok := tab.Line(a)
			fn, fok := tab.Function(a)
			w := want[i]
			if ok != w.ok || file != w.file || line != w.line || fn != w.fn || fok != (w.fn != "") {
				if bad++; bad <= 10 {
					t.Errorf("%#x: got %s:%d (%v) in %q, llvm-symbolizer %s:%d (%v) in %q", a, file, line, ok, fn, w.file, w.line, w.ok, w.fn)
				}
			}
		}
		if bad > 10 {
			t.Errorf("... %d mismatches in all, of %d addresses", bad, len(ours))
		}
	})
}

// sections.ko (srcline/testdata/make.sh) has first_fn, second_fn and init_fn
// each in its own executable section (.text.first_fn, .text.second_fn,
// .init.text), all at offset 0 of their section. The expected rows are those
// of `llvm-dwarfdump-16 --debug-line srcline/testdata/amd64/sections.ko`
// (three sequences, each starting at 0x0), checked against sections.c.
func TestETRELSeveralTextSections(t *testing.T) {
	path := local("amd64", "sections.ko")
	mod := openModule(t, path)
	if mod.Type != elf.ET_REL {
		t.Fatalf("%s is %v, want ET_REL", path, mod.Type)
	}

	// What makes the case: debug/elf relocates DWARF addresses against the
	// section symbols, i.e. to section offsets, so every function starts at 0.
	ef, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	d, err := ef.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	r := d.Reader()
	nsub := 0
	for {
		e, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			break
		}
		if e.Tag == dwarf.TagSubprogram {
			nsub++
			if lo, _ := e.Val(dwarf.AttrLowpc).(uint64); lo != 0 {
				t.Errorf("plain debug/elf: %v low_pc %#x, expected the section offset 0", e.Val(dwarf.AttrName), lo)
			}
		}
	}
	if nsub != 3 {
		t.Fatalf("plain debug/elf: %d subprograms, want 3", nsub)
	}

	tab := openTable(t, mod)
	src := local("sections.c")
	tests := []struct {
		fn, section string
		off         uint64
		line        int
	}{
		{"first_fn", ".text.first_fn", 0x0, 13},
		{"first_fn", ".text.first_fn", 0x6, 14},
		{"first_fn", ".text.first_fn", 0x13, 15},
		// Two rows at 0x0 (lines 20 and 24): the last one, as llvm-symbolizer.
		{"second_fn", ".text.second_fn", 0x0, 24},
		{"second_fn", ".text.second_fn", 0x22, 26},
		{"second_fn", ".text.second_fn", 0x23, 0}, // a line-0 row
		{"second_fn", ".text.second_fn", 0x25, 26},
		{"init_fn", ".init.text", 0x0, 31},
		{"init_fn", ".init.text", 0x4, 32},
		{"init_fn", ".init.text", 0xe, 33},
	}
	seen := map[uint64]string{}
	for _, tt := range tests {
		sym, ok := mod.Lookup(tt.fn)
		if !ok {
			t.Fatalf("no symbol %s", tt.fn)
		}
		sec := mod.Sections[sym.Section]
		if sec.Name != tt.section {
			t.Fatalf("%s is in %s, want %s", tt.fn, sec.Name, tt.section)
		}
		if prev, dup := seen[sym.Addr]; dup && prev != tt.fn {
			t.Fatalf("%s and %s share address %#x in kobj's layout", prev, tt.fn, sym.Addr)
		}
		seen[sym.Addr] = tt.fn
		a := sym.Addr + tt.off
		file, line, ok := tab.Line(a)
		if !ok || file != "srcline/testdata/sections.c" || line != tt.line {
			t.Errorf("%s+%#x (%#x): Line = %q:%d (%v), want srcline/testdata/sections.c:%d", tt.fn, tt.off, a, file, line, ok, tt.line)
		}
		if def, end := funcLines(t, src, tt.fn); line != 0 && (line < def || line > end) {
			t.Errorf("%s+%#x: line %d outside the definition (%d-%d)", tt.fn, tt.off, line, def, end)
		}
		if fn, ok := tab.Function(a); !ok || fn != tt.fn {
			t.Errorf("%s+%#x: Function = %q, %v", tt.fn, tt.off, fn, ok)
		}
	}
	// Past the end of the last code section: no line, no function.
	end := uint64(0)
	for _, s := range mod.Sections {
		if s.Alloc() && s.Flags&elf.SHF_EXECINSTR != 0 {
			end = max(end, s.Addr+s.Size)
		}
	}
	if file, line, ok := tab.Line(end); ok {
		t.Errorf("Line(%#x) past the code = %s:%d", end, file, line)
	}
	if fn, ok := tab.Function(end); ok {
		t.Errorf("Function(%#x) past the code = %s", end, fn)
	}
}

// compareTables checks that two tables agree on every byte of every function.
func compareTables(t *testing.T, mod *kobj.File, got, want *srcline.Table) {
	t.Helper()
	n := 0
	for _, s := range functions(mod) {
		for a := s.Addr; a < s.Addr+s.Size; a++ {
			gf, gl, gok := got.Line(a)
			wf, wl, wok := want.Line(a)
			gfn, _ := got.Function(a)
			wfn, _ := want.Function(a)
			if gf != wf || gl != wl || gok != wok || gfn != wfn {
				t.Fatalf("%s+%#x: %s:%d (%v) %s from the debug file, %s:%d (%v) %s from the unstripped module", s.Name, a-s.Addr, gf, gl, gok, gfn, wf, wl, wok, wfn)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no function compared")
	}
}

// The pairs made by make.sh (objcopy --only-keep-debug, then --strip-debug
// --add-gnu-debuglink): the stripped module finds its debug file beside it
// and reads the same lines as the unstripped module, for ET_REL (amd64, with
// the debug file's sections placed as the module's) and ET_DYN (arm64).
func TestDebugLinkBeside(t *testing.T) {
	tests := []struct {
		stripped, full string
	}{
		{local("debuglink", "amd64", "sections.ko"), local("amd64", "sections.ko")},
		{local("debuglink", "arm64", "vnet_user.ko"), fixture(t, "arm64", "vnet_user.ko")},
	}
	for _, tt := range tests {
		t.Run(tt.stripped, func(t *testing.T) {
			mod := openModule(t, tt.stripped)
			if mod.SectionByName(".debug_info") != nil {
				t.Fatal("stripped module still has .debug_info")
			}
			if want := filepath.Base(tt.stripped) + ".debug"; mod.DebugLink != want || mod.DebugLinkCRC == 0 {
				t.Fatalf(".gnu_debuglink = %q CRC %#x, want %q with a CRC", mod.DebugLink, mod.DebugLinkCRC, want)
			}
			tab := openTable(t, mod)
			if want := tt.stripped + ".debug"; tab.Path != want {
				t.Errorf("DWARF read from %s, want %s", tab.Path, want)
			}
			full := openModule(t, tt.full)
			compareTables(t, mod, tab, openTable(t, full))
		})
	}
}

func copyFile(t *testing.T, from, to string, edit func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		data = edit(bytes.Clone(data))
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The search order for the file .gnu_debuglink names, and the CRC check.
func TestDebugLinkSearch(t *testing.T) {
	stripped := local("debuglink", "arm64", "vnet_user.ko")
	debug := stripped + ".debug"
	// Appending a byte keeps the debug file a valid ELF file with the same
	// DWARF: only the CRC check can reject it.
	badCRC := func(b []byte) []byte { return append(b, 0) }
	reference := openTable(t, openModule(t, fixture(t, "arm64", "vnet_user.ko")))

	type layout struct {
		name string
		// setup places files under root and returns the module path, the
		// debug directories and the expected debug file ("" for none).
		setup func(t *testing.T, root string) (mod string, dirs []string, want string)
	}
	tests := []layout{
		{"freebsd layout", func(t *testing.T, root string) (string, []string, string) {
			mod := filepath.Join(root, "boot", "kernel", "vnet_user.ko")
			copyFile(t, stripped, mod, nil)
			abs, err := filepath.Abs(filepath.Dir(mod))
			if err != nil {
				t.Fatal(err)
			}
			dd := filepath.Join(root, "usr", "lib", "debug")
			want := filepath.Join(dd, abs, "vnet_user.ko.debug")
			copyFile(t, debug, want, nil)
			// A decoy under the basename rule, searched later.
			copyFile(t, debug, filepath.Join(dd, "vnet_user.ko.debug"), badCRC)
			return mod, []string{filepath.Join(root, "elsewhere"), dd}, want
		}},
		{"basename in debug dir", func(t *testing.T, root string) (string, []string, string) {
			mod := filepath.Join(root, "modules", "vnet_user.ko")
			copyFile(t, stripped, mod, nil)
			dd := filepath.Join(root, "debug")
			want := filepath.Join(dd, "vnet_user.ko.debug")
			copyFile(t, debug, want, nil)
			return mod, []string{dd}, want
		}},
		{"crc mismatch beside, good one in debug dir", func(t *testing.T, root string) (string, []string, string) {
			mod := filepath.Join(root, "modules", "vnet_user.ko")
			copyFile(t, stripped, mod, nil)
			copyFile(t, debug, mod+".debug", badCRC)
			dd := filepath.Join(root, "debug")
			want := filepath.Join(dd, "vnet_user.ko.debug")
			copyFile(t, debug, want, nil)
			return mod, []string{dd}, want
		}},
		{"crc mismatch only", func(t *testing.T, root string) (string, []string, string) {
			mod := filepath.Join(root, "modules", "vnet_user.ko")
			copyFile(t, stripped, mod, nil)
			copyFile(t, debug, mod+".debug", badCRC)
			return mod, nil, ""
		}},
		{"debug file missing", func(t *testing.T, root string) (string, []string, string) {
			mod := filepath.Join(root, "modules", "vnet_user.ko")
			copyFile(t, stripped, mod, nil)
			if err := os.MkdirAll(filepath.Join(root, "debug", "vnet_user.ko.debug"), 0o755); err != nil {
				t.Fatal(err) // a directory of that name is not a candidate
			}
			return mod, []string{filepath.Join(root, "debug"), filepath.Join(root, "nonexistent")}, ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			modPath, dirs, want := tt.setup(t, t.TempDir())
			mod := openModule(t, modPath)
			tab, err := srcline.Open(mod, dirs)
			if err != nil {
				t.Fatal(err)
			}
			if want == "" {
				if tab != nil {
					t.Fatalf("used %s, want no debug information", tab.Path)
				}
				if _, _, ok := tab.Line(0x106e4); ok {
					t.Error("nil Table answered Line")
				}
				if _, ok := tab.Function(0x106e4); ok {
					t.Error("nil Table answered Function")
				}
				return
			}
			if tab == nil {
				t.Fatalf("no debug information found, want %s", want)
			}
			if tab.Path != want {
				t.Fatalf("used %s, want %s", tab.Path, want)
			}
			compareTables(t, mod, tab, reference)
		})
	}
}

// With no CRC to check, a debug file of another machine or type is not used.
func TestDebugLinkWrongFile(t *testing.T) {
	root := t.TempDir()
	modPath := filepath.Join(root, "sections.ko")
	data, err := os.ReadFile(local("debuglink", "amd64", "sections.ko"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := kobj.Parse(modPath, data)
	if err != nil {
		t.Fatal(err)
	}
	sec := m.SectionByName(".gnu_debuglink")
	if sec == nil {
		t.Fatal("no .gnu_debuglink")
	}
	clear(data[sec.Offset+sec.Size-4 : sec.Offset+sec.Size]) // CRC 0: not checked
	mod, err := kobj.Parse(modPath, data)
	if err != nil {
		t.Fatal(err)
	}
	if mod.DebugLinkCRC != 0 {
		t.Fatalf("CRC still %#x", mod.DebugLinkCRC)
	}
	// arm64's ET_DYN debug file under the amd64 module's debug link name.
	copyFile(t, local("debuglink", "arm64", "vnet_user.ko.debug"), filepath.Join(root, "sections.ko.debug"), nil)
	tab, err := srcline.Open(mod, nil)
	if err != nil || tab != nil {
		t.Fatalf("Open = %v, %v; want no table and no error", tab, err)
	}
	// The right one, CRC unchecked, is used.
	copyFile(t, local("debuglink", "amd64", "sections.ko.debug"), filepath.Join(root, "sections.ko.debug"), nil)
	tab = openTable(t, mod)
	compareTables(t, mod, tab, openTable(t, openModule(t, local("amd64", "sections.ko"))))
}

// patchSection returns a copy of the file at path with fn applied to the bytes
// of section name, parsed by kobj under the name fake.
func patchSection(t *testing.T, path, fake, name string, fn func([]byte)) *kobj.File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := kobj.Parse(fake, data)
	if err != nil {
		t.Fatal(err)
	}
	sec := m.SectionByName(name)
	if sec == nil {
		t.Fatalf("%s has no %s", path, name)
	}
	fn(data[sec.Offset : sec.Offset+sec.Size])
	mod, err := kobj.Parse(fake, data)
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

// Malformed DWARF is an error naming the file.
func TestMalformedDWARF(t *testing.T) {
	for _, config := range []string{"arm64", "amd64"} {
		fake := "/nonexistent/" + config + "/bad.ko"
		mod := patchSection(t, fixture(t, config, "vnet_user.ko"), fake, ".debug_info", func(b []byte) {
			b[4], b[5] = 0x99, 0x99 // unit version
		})
		tab, err := srcline.Open(mod, nil)
		var ke *kobj.Error
		if err == nil || tab != nil || !errors.As(err, &ke) || ke.Path != fake || !strings.Contains(err.Error(), fake) {
			t.Errorf("%s: Open = %v, %v; want a *kobj.Error naming %s", config, tab, err, fake)
		}
	}
}

// Corrupting any byte of the DWARF gives a table or an error, never a panic
// or a hang, and the table still answers lookups. (Setting the last byte of
// arm64 vnet_user.ko's .debug_info, the unit's closing null entry, to 0xff
// made debug/dwarf's Reader return empty entries forever before Open bounded
// the entries it reads.)
func TestCorruptDWARFNoPanic(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	for _, path := range []string{fixture(t, "arm64", "vnet_user.ko"), fixture(t, "amd64", "vnet_user.ko"), local("amd64", "sections.ko")} {
		for _, name := range []string{".debug_info", ".debug_line", ".debug_abbrev"} {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := kobj.Parse(path, data)
			if err != nil {
				t.Fatal(err)
			}
			sec := m.SectionByName(name)
			if sec == nil {
				t.Fatalf("%s: no %s", path, name)
			}
			for i := uint64(0); i < sec.Size; i++ {
				for _, v := range []byte{0x00, 0xff, 0x80} {
					b := bytes.Clone(data)
					b[sec.Offset+i] = v
					mod, err := kobj.Parse(path, b)
					if err != nil {
						t.Fatal(err)
					}
					tab, err := srcline.Open(mod, nil)
					if err != nil {
						continue
					}
					for _, s := range functions(mod) {
						tab.Line(s.Addr)
						tab.Function(s.Addr)
					}
				}
			}
		}
	}
}

// A module without .debug_info or .gnu_debuglink has no table and no error.
func TestNoDebugInfo(t *testing.T) {
	mod := patchSection(t, local("debuglink", "arm64", "vnet_user.ko"), "/nonexistent/vnet_user.ko", ".gnu_debuglink", func(b []byte) {
		clear(b) // empty name: no debug link
	})
	if mod.DebugLink != "" {
		t.Fatalf("debug link %q still set", mod.DebugLink)
	}
	tab, err := srcline.Open(mod, []string{"/nonexistent"})
	if err != nil || tab != nil {
		t.Fatalf("Open = %v, %v; want nil, nil", tab, err)
	}
}
