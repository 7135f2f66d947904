package kobj_test

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/readelf"
	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

func capture(t *testing.T, fx testutil.Fixture, kind string) string { return fx.ReadCapture(t, kind) }

func open(t *testing.T, fx testutil.Fixture) *kobj.File {
	t.Helper()
	f, err := kobj.Open(fx.Path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// llvmSpelling maps the few names Go's debug/elf (kldcheck's spelling) and
// LLVM spell differently for the same type number.
var llvmSpelling = map[string]string{
	"R_386_JMP_SLOT": "R_386_JUMP_SLOT",
}

// Every relocation record, counted by type, agrees with llvm-readelf -r.
func TestRelocCountsMatchReadelf(t *testing.T) {
	testutil.Each(t, func(t *testing.T, fx testutil.Fixture) {
		want, err := readelf.RelocCounts(capture(t, fx, "relocs"))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for name, n := range open(t, fx).RelocCounts() {
			if l, ok := llvmSpelling[name]; ok {
				name = l
			}
			got[name] += n
		}
		if len(want) == 0 {
			t.Fatal("llvm-readelf shows no relocations: the comparison would be empty")
		}
		if d := diffCounts(got, want); d != "" {
			t.Errorf("relocation counts differ from llvm-readelf -r (got vs readelf):\n%s", d)
		}
	})
}

func diffCounts(got, want map[string]int) string {
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var lines []string
	for k := range keys {
		if got[k] != want[k] {
			lines = append(lines, fmt.Sprintf("  %s: %d vs %d", k, got[k], want[k]))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// Every set_* section is a linker set with the section's bounds, and the
// symbols inside it are the ones llvm-readelf -s lists in that section.
func TestSetsMatchReadelf(t *testing.T) {
	testutil.Each(t, func(t *testing.T, fx testutil.Fixture) {
		f := open(t, fx)
		secs, err := readelf.Sections(capture(t, fx, "sections"))
		if err != nil {
			t.Fatal(err)
		}
		syms, err := readelf.Symbols(capture(t, fx, "symbols"))
		if err != nil {
			t.Fatal(err)
		}
		nsets := 0
		for _, s := range secs {
			if !strings.HasPrefix(s.Name, "set_") {
				continue
			}
			nsets++
			set := f.Set(s.Name)
			if set == nil {
				t.Errorf("%s: no linker set read", s.Name)
				continue
			}
			if set.Size() != s.Size {
				t.Errorf("%s: size %d, llvm-readelf %d", s.Name, set.Size(), s.Size)
			}
			if f.Type != elf.ET_REL && set.Addr() != s.Addr {
				t.Errorf("%s: address %#x, llvm-readelf %#x", s.Name, set.Addr(), s.Addr)
			}
			want := map[string]string{}
			for _, y := range syms {
				if y.Ndx != strconv.Itoa(s.Index) || y.Name == "" || y.Type == "SECTION" || y.Name[0] == '$' ||
					strings.HasPrefix(y.Name, "__start_") || strings.HasPrefix(y.Name, "__stop_") {
					continue
				}
				off := y.Value
				if f.Type != elf.ET_REL {
					off -= s.Addr
				}
				want[y.Name] = fmt.Sprintf("+%#x size %d", off, y.Size)
			}
			got := map[string]string{}
			for _, y := range set.Symbols {
				got[y.Name] = fmt.Sprintf("+%#x size %d", y.Offset, y.Size)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s symbols:\n got     %v\n readelf %v", s.Name, got, want)
			}
			// Bounds symbols, where defined, frame exactly the section.
			if set.HasBounds && (set.Start != s.Addr || set.Stop != s.Addr+s.Size) {
				t.Errorf("%s: __start/__stop %#x..%#x, section %#x..%#x", s.Name, set.Start, set.Stop, s.Addr, s.Addr+s.Size)
			}
		}
		if nsets != len(f.Sets) {
			t.Errorf("%d linker sets read, llvm-readelf shows %d set_* sections", len(f.Sets), nsets)
		}
		if nsets == 0 {
			t.Error("fixture has no linker sets")
		}
	})
}

// Module metadata agrees with the MODULE_DEPEND, MODULE_VERSION and
// DECLARE_MODULE lines of the fixture's C source, and there is one record per
// pointer of set_modmetadata_set as llvm-readelf -S sizes it.
func TestMetadataMatchesSource(t *testing.T) {
	testutil.Each(t, func(t *testing.T, fx testutil.Fixture) {
		f := open(t, fx)
		src, err := os.ReadFile(fx.Source(t))
		if err != nil {
			t.Fatal(err)
		}
		want := expectedMetadata(string(src), fx.IsTree())
		if fx.IsTree() && fx.Name != "kernel" {
			want = expectedTreeMetadata(t, fx, string(src))
		}
		secs, err := readelf.Sections(capture(t, fx, "sections"))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secs {
			if s.Name == kobj.SetModMetadata {
				if n := int(s.Size) / f.Arch.PtrSize; n != len(f.Metadata) {
					t.Errorf("%d metadata records, set_modmetadata_set holds %d pointers", len(f.Metadata), n)
				}
			}
		}
		var got []string
		for _, m := range f.Modules() {
			got = append(got, fmt.Sprintf("module %s %d", m.Name, m.Version))
		}
		for _, d := range f.Depends() {
			got = append(got, fmt.Sprintf("depend %s %d %d %d", d.Name, d.Min, d.Preferred, d.Max))
		}
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("metadata:\n got  %q\n want %q", got, want)
		}
		if len(want) == 0 {
			t.Error("source declares no metadata: the comparison would be empty")
		}
	})
}

var (
	reDepend  = regexp.MustCompile(`(?m)^\s*MODULE_DEPEND\(\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*\)`)
	reVersion = regexp.MustCompile(`(?m)^\s*MODULE_VERSION\(\s*(\w+)\s*,\s*(\w+)\s*\)`)
	reDeclare = regexp.MustCompile(`(?m)^\s*DECLARE_MODULE\(\s*(\w+)\s*,`)
	reOSRel   = regexp.MustCompile(`#define\s+__FreeBSD_version\s+(\d+)`)
	// kernel.c's built-in modules, compiled only into the tree-* kernels.
	reBuiltin = regexp.MustCompile(`(?s)#ifdef KM_BUILTIN_MODULES\n.*?#endif`)
)

// expectedTreeMetadata reads what a tree-* module declares from the
// -D definitions testdata/src/tree.txt builds it with (dataonly.c: KM_NAME
// is DECLARE_MODULE and MODULE_VERSION(name, 1); declare.c: KM_DECLARE and
// KM_VERSION, with no dependency on the kernel, and KM_DEPEND), or from its source when
// it is built without any.
func expectedTreeMetadata(t *testing.T, fx testutil.Fixture, src string) []string {
	objs := testutil.TreeSpec(t)[strings.TrimSuffix(fx.Name, ".ko")]
	if len(objs) == 1 && len(objs[0].Defines) == 0 {
		return expectedMetadata(src, false)
	}
	declared, versions := map[string]bool{}, map[string]int{}
	var out []string
	for _, o := range objs {
		d := o.Defines
		if n := d["KM_NAME"]; n != "" {
			declared[n], versions[n] = true, 1
			out = append(out, "depend kernel 1400097 1400097 1499999")
		}
		if n := d["KM_DECLARE"]; n != "" {
			declared[n] = true
		}
		if n := d["KM_VERSION"]; n != "" {
			ver := 1
			if v := d["KM_VERNUM"]; v != "" {
				fmt.Sscan(v, &ver)
			}
			versions[n] = ver
		}
		if n := d["KM_DEPEND"]; n != "" {
			v := "1"
			if d["KM_DEPVER"] != "" {
				v = d["KM_DEPVER"]
			}
			out = append(out, "depend "+n+" "+v+" "+v+" "+v)
		}
	}
	for n := range declared {
		out = append(out, fmt.Sprintf("module %s %d", n, versions[n]))
	}
	for n, v := range versions {
		if !declared[n] {
			out = append(out, fmt.Sprintf("module %s %d", n, v))
		}
	}
	sort.Strings(out)
	return out
}

// expectedMetadata reads what a source declares. DECLARE_MODULE implies a
// dependency on "kernel" from __FreeBSD_version to the last release of that
// major version (sys/sys/module.h, MODULE_KERNEL_MAXVER).
func expectedMetadata(src string, builtin bool) []string {
	if !builtin {
		src = reBuiltin.ReplaceAllString(src, "")
	}
	osrel := 1400097
	if m := reOSRel.FindStringSubmatch(src); m != nil {
		osrel, _ = strconv.Atoi(m[1])
	}
	num := func(s string) int {
		if s == "__FreeBSD_version" {
			return osrel
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	versions := map[string]int{}
	for _, m := range reVersion.FindAllStringSubmatch(src, -1) {
		versions[m[1]] = num(m[2])
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range reDeclare.FindAllStringSubmatch(src, -1) {
		out = append(out, fmt.Sprintf("module %s %d", m[1], versions[m[1]]))
		seen[m[1]] = true
		out = append(out, fmt.Sprintf("depend kernel %d %d %d", osrel, osrel, (osrel+99999)/100000*100000-1))
	}
	for name, v := range versions {
		if !seen[name] {
			out = append(out, fmt.Sprintf("module %s %d", name, v))
		}
	}
	for _, m := range reDepend.FindAllStringSubmatch(src, -1) {
		if _, own := versions[m[2]]; own {
			continue
		}
		out = append(out, fmt.Sprintf("depend %s %d %d %d", m[2], num(m[3]), num(m[4]), num(m[5])))
	}
	sort.Strings(out)
	return out
}

// The fixtures cover at least eight ELF class / byte order / machine
// combinations, and llvm-readelf -h agrees with what is read.
func TestFixturesCoverArchitectures(t *testing.T) {
	combos := map[string]bool{}
	for _, fx := range testutil.Fixtures(t) {
		f := open(t, fx)
		hdr, err := readelf.ReadCapture(fx.Capture("headers"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			map[elf.Class]string{elf.ELFCLASS32: "ELF32", elf.ELFCLASS64: "ELF64"}[f.Arch.Class],
			map[elf.Type]string{elf.ET_REL: "REL (Relocatable file)", elf.ET_DYN: "DYN (Shared object file)", elf.ET_EXEC: "EXEC (Executable file)"}[f.Type],
			map[string]string{"little": "little endian", "big": "big endian"}[endianName(f)],
		} {
			if !strings.Contains(hdr, want) {
				t.Errorf("%s: llvm-readelf -h does not say %q", fx.Path, want)
			}
		}
		combos[fmt.Sprint(f.Arch.Class, f.Arch.Data, f.Arch.Machine)] = true
	}
	if len(combos) < 8 {
		t.Errorf("fixtures cover %d class/byte order/machine combinations, want at least 8: %v", len(combos), combos)
	}
}

func endianName(f *kobj.File) string {
	if f.Arch.Data == elf.ELFDATA2MSB {
		return "big"
	}
	return "little"
}

// A kernel's osreldate is the value its source gives, and amd64 modules are
// ET_REL while the others are ET_DYN, as sys/conf/kmod.mk builds them.
func TestKindsAndKernelInfo(t *testing.T) {
	reInt := regexp.MustCompile(`int\s+osreldate\s*=\s*(\w+)`)
	reFlags := regexp.MustCompile(`(?m)^\s*Flags:\s+0x([0-9a-f]+)`)
	testutil.Each(t, func(t *testing.T, fx testutil.Fixture) {
		f := open(t, fx)
		// e_flags as llvm-readelf -h shows it (powerpc64: 1 for the ELFv1
		// kernel GNU ld links -pie, 2 for lld's ELFv2 files).
		hdr, err := readelf.ReadCapture(filepath.Join(filepath.Dir(fx.Path), "readelf", fx.Name+".headers.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if m := reFlags.FindStringSubmatch(hdr); m == nil || m[1] != strconv.FormatUint(uint64(f.Flags), 16) {
			t.Errorf("e_flags %#x, llvm-readelf %v", f.Flags, m)
		}
		if fx.Name == "kernel" {
			if f.Kind != kobj.Kernel {
				t.Fatalf("kind %v, want kernel", f.Kind)
			}
			src, err := os.ReadFile(fx.Source(t))
			if err != nil {
				t.Fatal(err)
			}
			m := reInt.FindStringSubmatch(string(src))
			if m == nil {
				t.Fatal("kernel.c defines no osreldate")
			}
			want := m[1]
			if want == "__FreeBSD_version" {
				want = "1400097"
				if v := reOSRel.FindStringSubmatch(string(src)); v != nil {
					want = v[1]
				}
			}
			if strconv.Itoa(f.OSRelDate) != want {
				t.Errorf("osreldate %d, source says %s", f.OSRelDate, want)
			}
			if !strings.HasPrefix(f.Version, "FreeBSD") {
				t.Errorf("version %q", f.Version)
			}
			return
		}
		if f.Kind != kobj.Module || f.Type != f.Arch.ModuleType {
			t.Errorf("kind %v type %v, want a %v module on %s", f.Kind, f.Type, f.Arch.ModuleType, f.Arch.Name)
		}
	})
}
