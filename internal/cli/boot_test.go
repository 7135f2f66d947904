package cli

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/bootset"
	"github.com/kldcheck/kldcheck/hints"
	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

func bootFile(t *testing.T, name string) string {
	return filepath.Join(testutil.Root(t), "testdata", "boot", name)
}

type budgetDoc struct {
	Findings []struct{ Rule, File string }
	Budgets  []struct {
		Kind string
		Used []struct {
			Module string
			Bytes  uint64
		}
		Left        uint64
		FirstMisfit string `json:"first_misfit"`
	} `json:"module_space"`
}

// A boot set whose VNET module space runs out at a named module, and the
// same modules in another order that fit.
func TestBootBudget(t *testing.T) {
	for _, arch := range []string{"arm64", "amd64"} {
		dir := filepath.Join(testutil.Root(t), "testdata", "tree-"+arch)
		for _, c := range []struct {
			loader, misfit string
			used           []string
		}{
			{"loader.conf", "boot_u.ko", []string{"boot_r1.ko"}},
			{"loader.conf.reordered", "", []string{"boot_r2.ko", "boot_u.ko"}},
		} {
			code, out, stderr := run("boot", "--format", "json", "--kernel", filepath.Join(dir, "kernel"), "-p", dir,
				"--loader-conf", bootFile(t, c.loader), "--rc-conf", bootFile(t, "rc.conf"))
			if code != ExitFindings { // the refused alternative is an error either way
				t.Fatalf("%s %s: exit %d: %s", arch, c.loader, code, stderr)
			}
			var doc budgetDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			vnet := doc.Budgets[0]
			var used []string
			var sum uint64
			for _, u := range vnet.Used {
				used = append(used, u.Module)
				sum += u.Bytes
			}
			if vnet.Kind != "VNET" || vnet.FirstMisfit != c.misfit || strings.Join(used, " ") != strings.Join(c.used, " ") || sum+vnet.Left != 32768 {
				t.Errorf("%s %s: VNET budget %+v, want %v used and first misfit %q", arch, c.loader, vnet, c.used, c.misfit)
			}
		}
	}
}

// A saved kldstat -v makes an otherwise clean check fail for lack of
// module space: boot_r1.ko, loaded, holds 20000 of the 32768 bytes.
func TestLoadedFrom(t *testing.T) {
	dir := filepath.Join(testutil.Root(t), "testdata", "tree-arm64")
	args := []string{"check", "--brief", "--kernel", filepath.Join(dir, "kernel"), "-p", dir}
	if code, out, _ := run(append(args, filepath.Join(dir, "boot_u.ko"))...); code != 0 {
		t.Fatalf("boot_u.ko alone: exit %d\n%s", code, out)
	}
	code, out, stderr := run(append(args, "--loaded-from", bootFile(t, "kldstat-v.txt"), filepath.Join(dir, "boot_u.ko"))...)
	if code != ExitFindings || !strings.Contains(out, "boot_u.ko: error: parse_vnet: vnet module space is out of space; cannot allocate 16000") {
		t.Errorf("with boot_r1.ko loaded: exit %d %s\n%s", code, stderr, out)
	}
	if code, _, stderr := run(append(args, "--loaded-from", bootFile(t, "rc.conf"), "boot_u")...); code != ExitUsage || !strings.Contains(stderr, "rc.conf:1: not a line of kldstat output") {
		t.Errorf("not a kldstat listing: exit %d %q", code, stderr)
	}
}

// Modules named as kldload(8) takes them: a module name or a file name,
// searched in the module path.
func TestBareNames(t *testing.T) {
	dir := filepath.Join(testutil.Root(t), "testdata", "tree-arm64")
	for _, name := range []string{"boot_u", "boot_u.ko", filepath.Join(dir, "boot_u.ko")} {
		code, out, stderr := run("load", "--kernel", filepath.Join(dir, "kernel"), "-p", dir, name)
		if code != 0 || !strings.Contains(out, "boot_u.ko\n") {
			t.Errorf("%s: exit %d %s\n%s", name, code, stderr, out)
		}
	}
	code, _, stderr := run("load", "-p", dir, "no_such_module")
	if code != ExitUsage || !strings.Contains(stderr, "no_such_module: no such file, and no module no_such_module in the module path "+dir) {
		t.Errorf("unknown name: exit %d %q", code, stderr)
	}
}

// fakeHost is a FreeBSD machine as the tests want it.
type fakeHost struct {
	bootfile string
	path     []string
	loaded   []bootset.LoadedFile
}

func (h fakeHost) BootFile() (string, bool)              { return h.bootfile, h.bootfile != "" }
func (h fakeHost) ModulePath() ([]string, bool)          { return h.path, len(h.path) > 0 }
func (h fakeHost) Loaded() ([]bootset.LoadedFile, error) { return h.loaded, nil }

// On a FreeBSD host, the running kernel, its module path and what it has
// loaded are the defaults, and the report says which were used.
func TestHostDefaults(t *testing.T) {
	dir := filepath.Join(testutil.Root(t), "testdata", "tree-arm64")
	saved := host
	defer func() { host = saved }()
	host = fakeHost{bootfile: filepath.Join(dir, "kernel"), path: []string{dir},
		loaded: []bootset.LoadedFile{{ID: 1, Name: "kernel"}, {ID: 2, Name: "boot_r1.ko", Path: "/boot/modules/boot_r1.ko"}}}
	code, out, stderr := run("check", "--brief", "boot_u")
	if code != 0 || !strings.Contains(stderr, "using "+filepath.Join(dir, "kernel")+" (kern.bootfile), module path "+dir+" (kern.module_path)") {
		t.Errorf("exit %d, stderr %q\n%s", code, stderr, out)
	}
	if strings.Contains(out, "no-kernel") {
		t.Errorf("the running kernel was not used:\n%s", out)
	}
	code, out, _ = run("check", "--brief", "--loaded", "boot_u")
	if code != ExitFindings || !strings.Contains(out, "[modspace-exhausted]") {
		t.Errorf("--loaded: exit %d\n%s", code, out)
	}
}

// A module name resolves through the directory's linker.hints, as
// linker_hints_lookup does: vnet_owner lives in renamed_owner.ko.
func TestBareNameThroughHints(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(testutil.Root(t), "testdata", "amd64")
	b, err := os.ReadFile(filepath.Join(src, "vnet_owner.ko"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "renamed_owner.ko"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	// linker.hints as kldxref writes it (hints.Encode, checked against
	// kldxref's format in package hints).
	data, err := hints.Encode(binary.LittleEndian, []hints.Record{{Type: kobj.MDTVersion, Module: "vnet_owner", Version: 1, File: "renamed_owner.ko"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "linker.hints"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run("load", "-p", dir, "vnet_owner")
	if code != 0 || !strings.Contains(out, "renamed_owner.ko\n") {
		t.Errorf("exit %d %s\n%s", code, stderr, out)
	}
}
