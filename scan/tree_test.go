package scan

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/readelf"
	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/rules"
)

// treeCopy copies the tree-<arch> fixtures into a new directory, the kernel
// only when withKernel.
func treeCopy(t *testing.T, arch string, withKernel bool) string {
	t.Helper()
	src := filepath.Join(testutil.Root(t), "testdata", "tree-"+arch)
	dir := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Type().IsRegular() && (strings.HasSuffix(e.Name(), ".ko") || withKernel && e.Name() == "kernel") {
			copyFile(t, filepath.Join(src, e.Name()), filepath.Join(dir, e.Name()))
		}
	}
	return dir
}

// rulesOf maps each module's base name to its findings' rules, sorted.
func rulesOf(res *Result) map[string][]string {
	got := map[string][]string{}
	for _, m := range res.Modules {
		name := filepath.Base(m.Path)
		got[name] = []string{}
		for _, f := range m.Findings {
			got[name] = append(got[name], f.Rule+":"+f.Severity.String())
		}
		sort.Strings(got[name])
	}
	return got
}

// The tree as the kernel sees it: modules built into the kernel satisfy
// dependencies, files that each load alone but not together are warnings,
// a file declaring a module twice is refused (an error) or only complained
// about (a MODULE_VERSION twice), a data-only module keeps its name, and a
// missing dependency does not hide a relaxed reference.
func TestScanTree(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			for _, withKernel := range []bool{true, false} {
				dir := treeCopy(t, arch, withKernel)
				res, err := Run(Options{Dirs: []string{dir}, Jobs: 2})
				if err != nil {
					t.Fatal(err)
				}
				got := rulesOf(res)
				want := map[string][]string{
					"dataonly_a.ko": {}, "dataonly_b.ko": {}, "kerndep.ko": {},
					"conflict_a.ko": {}, "conflict_b.ko": {"module-conflict:warning"},
					"iface_a.ko": {}, "iface_b.ko": {"module-conflict:warning"},
					"dupver.ko":   {"duplicate-module:warning"},
					"dupdecl.ko":  {"duplicate-module:error", "load-stopped:note"},
					"relaxdep.ko": {},
					"boot_r1.ko":  {}, "boot_r2.ko": {"module-conflict:warning"}, "boot_u.ko": {},
					"builtin_copy.ko": {},
					// drm-kmod's shape: drmn is declared by drm.ko, found
					// through the index kldxref would write.
					"drm.ko": {}, "i915kms.ko": {},
					"ver_a.ko": {}, "ver_b.ko": {}, "ver_user.ko": {},
				}
				if withKernel {
					want["relaxdep.ko"] = []string{"load-stopped:note", "missing-dependency:error"}
					// ether is compiled into the tree kernel: kldload says
					// "already loaded or in kernel", a note.
					want["builtin_copy.ko"] = []string{"duplicate-module:note", "load-stopped:note"}
				}
				if arch == "arm64" {
					// lld 14 without --no-relax: nop; adr (EN-23:08).
					want["relaxdep.ko"] = append(want["relaxdep.ko"], "set-ref-pcrel:error")
					sort.Strings(want["relaxdep.ko"])
				}
				for name, w := range want {
					if strings.Join(got[name], " ") != strings.Join(w, " ") {
						t.Errorf("kernel %v: %s: %v, want %v", withKernel, name, got[name], w)
					}
				}
				if len(got) != len(want) {
					t.Errorf("kernel %v: %d modules scanned, want %d", withKernel, len(got), len(want))
				}
				notes := byRuleIn(res, rules.KernelDependency)
				if withKernel && len(notes) != 0 {
					t.Errorf("with a kernel, modules were assumed: %v", notes)
				}
				if !withKernel && (len(notes) != 1 || notes[0].Message != "no kernel given, and no file in the module path provides 2 modules depended on, or none that loads: "+
					"taken to be compiled into the kernel: nosuchmod (needed by relaxdep.ko); pci (needed by kerndep.ko)") {
					t.Errorf("without a kernel: kernel-dependency notes %v", notes)
				}
			}
		})
	}
}

// The relaxed reference of relaxdep.ko is reported at the instruction
// llvm-objdump shows as the adr into set_vnet, even though the load stops
// at the missing dependency.
func TestRelaxedReferenceBehindMissingDependency(t *testing.T) {
	dir := treeCopy(t, "arm64", true)
	res, err := Run(Options{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	pcrel := byRuleIn(res, rules.SetRefPCRel)
	if len(pcrel) != 1 {
		t.Fatalf("set-ref-pcrel findings: %v", pcrel)
	}
	capture := filepath.Join(testutil.Root(t), "testdata", "tree-arm64", "readelf", "relaxdep.ko.objdump.txt")
	text, err := readelf.ReadCapture(capture)
	if err != nil {
		t.Fatal(err)
	}
	sectext, err := readelf.ReadCapture(filepath.Join(testutil.Root(t), "testdata", "tree-arm64", "readelf", "relaxdep.ko.sections.txt"))
	if err != nil {
		t.Fatal(err)
	}
	secs, err := readelf.Sections(sectext)
	if err != nil {
		t.Fatal(err)
	}
	var adr string
	var at, target uint64
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		// "   10520:      	adr	x0, #0x10018": the target is pc-relative.
		if len(f) == 4 && f[1] == "adr" {
			adr = strings.TrimSuffix(f[0], ":")
			at, _ = strconv.ParseUint(adr, 16, 64)
			off, _ := strconv.ParseInt(strings.TrimPrefix(f[3], "#"), 0, 64)
			target = at + uint64(off)
		}
	}
	inVNET := false
	for _, s := range secs {
		inVNET = inVNET || s.Name == "set_vnet" && target >= s.Addr && target < s.Addr+s.Size
	}
	if adr == "" || !inVNET {
		t.Fatalf("capture shows no adr (%q) into set_vnet (target %#x)", adr, target)
	}
	if pcrel[0].Addr != at || !pcrel[0].HasAddr {
		t.Errorf("finding at %#x, llvm-objdump's adr at %#x", pcrel[0].Addr, at)
	}
}
