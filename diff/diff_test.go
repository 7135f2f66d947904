package diff

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/readelf"
	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/scan"
)

func run(t *testing.T, config string) *scan.Result {
	t.Helper()
	r, err := scan.Run(scan.Options{Dirs: []string{filepath.Join(testutil.Root(t), "testdata", config)}, References: true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// objdumpFuncs returns, from a build-time llvm-objdump capture, the
// functions of a module holding an instruction with the given mnemonic
// right after an adrp (or any adr, for "adr").
func objdumpFuncs(t *testing.T, config, module, mnemonic string) []string {
	t.Helper()
	text, err := readelf.ReadCapture(filepath.Join(testutil.Root(t), "testdata", config, "readelf", module+".objdump.txt"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	fn, prev := "", ""
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, " <"); i > 0 && strings.HasSuffix(line, ">:") {
			fn = line[i+2 : len(line)-2]
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		op := f[1]
		if op == mnemonic && (mnemonic == "adr" || prev == "adrp") {
			seen[fn] = true
		}
		prev = op
	}
	var out []string
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// The same sources linked by lld 14 with and without --no-relax: diff
// reports exactly the references llvm-objdump shows changed (GOT loads,
// adrp+ldr, in the --no-relax build; adr in the relaxed one), and each as a
// new set-ref-pcrel finding; the other modules are unchanged.
func TestRelaxationDiff(t *testing.T) {
	d := Compare(run(t, "arm64-lld14-norelax"), run(t, "arm64-lld14-relax"))
	adr := objdumpFuncs(t, "arm64-lld14-relax", "vnet_local.ko", "adr")
	ldr := objdumpFuncs(t, "arm64-lld14-norelax", "vnet_local.ko", "ldr")
	if len(adr) == 0 {
		t.Fatal("the relaxed capture shows no adr")
	}
	var changed, pcrel []string
	for _, m := range d.Modules {
		if m.Name != "vnet_local" {
			if m.Changed() {
				t.Errorf("%s changed: %+v", m.Name, m)
			}
			continue
		}
		for _, c := range m.Refs {
			if strings.Join(c.New, ",") == "PC-relative adr" {
				changed = append(changed, c.Where)
				if strings.Join(c.Old, ",") != "GOT load (R_AARCH64_RELATIVE)" {
					t.Errorf("%s: before %v, want a GOT load", c, c.Old)
				}
			}
		}
		for _, f := range m.NewFindings {
			if f.Rule == rules.SetRefPCRel {
				pcrel = append(pcrel, f.Func)
			}
		}
	}
	sort.Strings(changed)
	sort.Strings(pcrel)
	if strings.Join(changed, " ") != strings.Join(adr, " ") || strings.Join(pcrel, " ") != strings.Join(adr, " ") {
		t.Errorf("changed references %v, new set-ref-pcrel in %v; llvm-objdump shows adr in %v", changed, pcrel, adr)
	}
	for _, f := range adr {
		if !contains(ldr, f) {
			t.Errorf("%s: no adrp+ldr in the --no-relax capture", f)
		}
	}
	if len(d.OnlyOld)+len(d.OnlyNew) != 0 || len(d.Modules) != 3 {
		t.Errorf("matching: %d modules, only old %v, only new %v", len(d.Modules), d.OnlyOld, d.OnlyNew)
	}
}

// A tree compared with itself: nothing.
func TestSelfDiffIsEmpty(t *testing.T) {
	for _, c := range []string{"arm64", "amd64", "tree-arm64", "i386"} {
		d := Compare(run(t, c), run(t, c))
		for _, m := range d.Modules {
			if m.Changed() {
				t.Errorf("%s: %s changed against itself: %+v", c, m.Name, m)
			}
		}
		if len(d.NewFindings())+len(d.OnlyOld)+len(d.OnlyNew) != 0 {
			t.Errorf("%s: %v %v %v", c, d.NewFindings(), d.OnlyOld, d.OnlyNew)
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The same sources with EXPORT_SYMS=NO and =YES (set variables localised
// or kept global): every set variable llvm-readelf shows with a GLOB_DAT
// relocation in the EXPORT_SYMS=YES build is reached through a GOT load
// carrying R_AARCH64_GLOB_DAT there, and diff's relocation counts are
// readelf's.
func TestExportSymsDiff(t *testing.T) {
	oldC, newC := "arm64-lld14-relax", "arm64-lld14-relax-exportsyms"
	d := Compare(run(t, oldC), run(t, newC))
	for _, m := range d.Modules {
		file := filepath.Base(m.New)
		counts := func(config string) map[string]int {
			text, err := readelf.ReadCapture(filepath.Join(testutil.Root(t), "testdata", config, "readelf", file+".relocs.txt"))
			if err != nil {
				t.Fatal(err)
			}
			c, err := readelf.RelocCounts(text)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		o, n := counts(oldC), counts(newC)
		for _, c := range m.Relocs {
			if uint64(o[c.Name]) != c.Old || uint64(n[c.Name]) != c.New {
				t.Errorf("%s: %s %d -> %d, llvm-readelf %d -> %d", file, c.Name, c.Old, c.New, o[c.Name], n[c.Name])
			}
		}
		globDat := func(config string) map[string]bool {
			text, err := readelf.ReadCapture(filepath.Join(testutil.Root(t), "testdata", config, "readelf", file+".relocs.txt"))
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]bool{}
			for _, line := range strings.Split(text, "\n") {
				f := strings.Fields(line)
				if len(f) >= 5 && f[2] == "R_AARCH64_GLOB_DAT" && (strings.HasPrefix(f[4], "vnet_entry_") || strings.HasPrefix(f[4], "pcpu_entry_")) {
					out[f[4]] = true
				}
			}
			return out
		}
		// The variables that gained a GLOB_DAT slot (another module's were
		// GLOB_DAT in both builds).
		before, after := globDat(oldC), globDat(newC)
		want := map[string]bool{}
		for v := range after {
			if !before[v] {
				want[v] = true
			}
		}
		got := map[string]bool{}
		for _, c := range m.Refs {
			if contains(c.New, "GOT load (R_AARCH64_GLOB_DAT)") && !contains(c.Old, "GOT load (R_AARCH64_GLOB_DAT)") {
				got[c.Variable] = true
			}
		}
		if len(want) == 0 {
			t.Errorf("%s: llvm-readelf shows no new GLOB_DAT: the comparison would be empty", file)
		}
		for v := range want {
			if !got[v] {
				t.Errorf("%s: %s gained a GLOB_DAT in llvm-readelf, not in diff's references", file, v)
			}
		}
		for v := range got {
			if !want[v] {
				t.Errorf("%s: diff shows a new GLOB_DAT load of %s, llvm-readelf does not", file, v)
			}
		}
	}
	if len(d.NewFindings()) != 0 {
		t.Errorf("EXPORT_SYMS=YES brings findings: %v", d.NewFindings())
	}
}
