package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

func fixture(t *testing.T, config, name string) string {
	return filepath.Join(testutil.Root(t), "testdata", config, name)
}

// check exits 1 on error findings, 0 when clean, and its JSON carries the
// expected and actual addresses of set-ref-unrelocated.
func TestCheckExitAndJSON(t *testing.T) {
	kernel, user := fixture(t, "arm64", "kernel"), fixture(t, "arm64", "vnet_user.ko")
	code, out, stderr := run("check", "--kernel", kernel, "--profile", "freebsd-8.2", "--format", "json", user)
	if code != ExitFindings || stderr != "" {
		t.Fatalf("freebsd-8.2: exit %d, stderr %q", code, stderr)
	}
	var doc struct {
		Profile  string
		Findings []map[string]string
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Profile != "freebsd-8.2" || len(doc.Findings) == 0 {
		t.Fatalf("%+v", doc)
	}
	for _, f := range doc.Findings {
		for _, k := range []string{"rule", "severity", "file", "symbol", "message", "expected", "actual"} {
			if f[k] == "" {
				t.Errorf("finding lacks %q: %v", k, f)
			}
		}
		if f["rule"] != "set-ref-unrelocated" || f["expected"] == f["actual"] {
			t.Errorf("unexpected finding %v", f)
		}
	}
	code, out, _ = run("check", "--kernel", kernel, user)
	if code != ExitOK || !strings.Contains(out, "profile freebsd-14: 0 errors") {
		t.Errorf("freebsd-14 (from the kernel's osreldate): exit %d\n%s", code, out)
	}
}

func TestCheckText(t *testing.T) {
	code, out, _ := run("check", "--kernel", fixture(t, "amd64", "kernel"), fixture(t, "amd64", "undef.ko"))
	want := fixture(t, "amd64", "undef.ko") + ": error: link_elf_obj: symbol no_such_kernel_function undefined [undefined-symbol]"
	if code != ExitFindings || !strings.Contains(out, want) {
		t.Errorf("exit %d, output:\n%s\nwant line %q", code, out, want)
	}
}

func TestLoadShowsModuleSpace(t *testing.T) {
	code, out, _ := run("load", "--kernel", fixture(t, "riscv64", "kernel"), fixture(t, "riscv64", "vnet_user.ko"))
	for _, want := range []string{"vnet_user.ko", "vnet_owner.ko", "VNET module space:", "DPCPU module space:", "Contained modules:"} {
		if !strings.Contains(out, want) {
			t.Errorf("load output lacks %q:\n%s", want, out)
		}
	}
	if code != ExitOK {
		t.Errorf("exit %d", code)
	}
	code, out, _ = run("load", "--format", "json", fixture(t, "riscv64", "vnet_user.ko"))
	var doc struct {
		Files []struct{ Name string }
		Notes []string
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitOK {
		t.Fatalf("exit %d, %v", code, err)
	}
	if len(doc.Files) != 2 || len(doc.Notes) == 0 {
		t.Errorf("without a kernel: files %v, notes %v", doc.Files, doc.Notes)
	}
}

func TestProfilesAndBadProfile(t *testing.T) {
	code, out, _ := run("profiles")
	if code != ExitOK || !strings.Contains(out, "freebsd-8.2") || !strings.Contains(out, "freebsd-14") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, _, stderr := run("check", "--profile", "freebsd-1.0", fixture(t, "arm64", "vnet_user.ko"))
	if code != ExitUsage || !strings.HasPrefix(stderr, "kldcheck: unknown profile \"freebsd-1.0\"") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestCallsCommand(t *testing.T) {
	code, out, _ := run("calls", fixture(t, "amd64", "vmmap_bad.ko"))
	if code != ExitOK || !strings.Contains(out, "vmmap_bad_map+0x3b -> vm_map_find (") || !strings.Contains(out, "rsi=0x0") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = run("calls", "--format", "json", fixture(t, "arm64", "vmmap_bad.ko"))
	var doc struct {
		Files []struct {
			Calls []struct {
				Callee string
				Args   map[string]uint64
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitOK || len(doc.Files) != 1 || len(doc.Files[0].Calls) != 2 {
		t.Fatalf("exit %d %v: %s", code, err, out)
	}
	if c := doc.Files[0].Calls[0]; c.Callee != "vm_map_find" || c.Args["x1"] != 0 {
		t.Errorf("%+v", c)
	}
}

// Findings carry the source line DWARF gives for their place.
func TestCheckSourceLine(t *testing.T) {
	code, out, _ := run("check", "--kernel", fixture(t, "arm64", "kernel"), fixture(t, "arm64", "vmmap_bad.ko"))
	if code != ExitOK || !strings.Contains(out, "[user-map-pmap-enter]\n    source: testdata/src/vmmap_bad.c:") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
