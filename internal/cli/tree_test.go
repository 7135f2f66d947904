package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Findings do not depend on the order of the modules named: nodep.ko uses
// vnet_owner.ko's variable without MODULE_DEPEND, whichever comes first.
func TestCheckOrderIndependent(t *testing.T) {
	owner, nodep := fixture(t, "arm64", "vnet_owner.ko"), fixture(t, "arm64", "nodep.ko")
	// With a kernel, the load fails (an error); without one, the kernel
	// might have the symbol too (a note).
	for _, c := range []struct {
		kernel []string
		code   int
		want   string
	}{
		{[]string{"--kernel", fixture(t, "arm64", "kernel")}, ExitFindings,
			"undeclared-dependency error: link_elf: symbol vnet_entry_owner_enable undefined (defined in vnet_owner.ko"},
		{nil, 0, "undeclared-dependency note: nodep.ko uses vnet_entry_owner_enable, defined in vnet_owner.ko, which it does not MODULE_DEPEND on"},
	} {
		var outs []string
		for _, order := range [][]string{{nodep, owner}, {owner, nodep}} {
			args := append(append([]string{"check", "--brief", "--format", "json"}, c.kernel...), order...)
			code, out, stderr := run(args...)
			if code != c.code {
				t.Fatalf("%v: exit %d (%s)", args, code, stderr)
			}
			var doc struct {
				Findings []struct{ Rule, Severity, File, Message string }
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range doc.Findings {
				if filepath.Base(f.File) == "nodep.ko" {
					got = append(got, f.Rule+" "+f.Severity+": "+f.Message)
				}
			}
			if !strings.Contains(strings.Join(got, "\n"), c.want) {
				t.Errorf("%v: nodep.ko findings %q", args, got)
			}
			outs = append(outs, strings.Join(got, "\n"))
		}
		if outs[0] != outs[1] {
			t.Errorf("kernel %v: nodep.ko's findings depend on the order:\n%s\n---\n%s", c.kernel, outs[0], outs[1])
		}
	}
}

// A refused load is a failure of load: exit 1, and the report says why.
func TestLoadReportsFailure(t *testing.T) {
	k, m := fixture(t, "tree-arm64", "kernel"), fixture(t, "tree-arm64", "relaxdep.ko")
	code, out, _ := run("load", "--kernel", k, m)
	if code != ExitFindings || !strings.Contains(out, "kldload: "+m+": not loaded: KLD relaxdep.ko: depends on nosuchmod - not available or version mismatch") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = run("load", "--kernel", k, fixture(t, "tree-arm64", "kerndep.ko"))
	if code != 0 || strings.Contains(out, "not loaded") {
		t.Errorf("kerndep.ko with its dependencies built into the kernel: exit %d:\n%s", code, out)
	}
}

// An arm64 ld -r output (ET_REL) is refused as the kernel refuses it, with
// its name and no empty symbol.
func TestSharedObjectArchRefusesRelocatable(t *testing.T) {
	kld := fixture(t, "tree-arm64", "kerndep.kld")
	code, out, _ := run("check", "--brief", kld)
	want := kld + ": error: linker_load_file: " + kld + " - unsupported file type"
	if code != ExitFindings || !strings.Contains(out, want) || strings.Contains(out, "symbol  undefined") {
		t.Errorf("exit %d, want %q:\n%s", code, want, out)
	}
}

// A scan's summary counts a module whose only finding involves another file
// (a module it declares too, an in-file duplicate) by that finding.
func TestScanStatusCountsTreeFindings(t *testing.T) {
	code, out, stderr := run("scan", "--format", "json", fixture(t, "tree-amd64", ""))
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Modules []struct{ File, Status string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"dupdecl.ko": "error", "conflict_b.ko": "warning", "conflict_a.ko": "clean", "kerndep.ko": "clean"}
	for _, m := range doc.Modules {
		if w, ok := want[filepath.Base(m.File)]; ok && w != m.Status {
			t.Errorf("%s: status %s, want %s", m.File, m.Status, w)
		}
	}
}

// scan of a directory with no module is a usage error (exit 2), and a
// nested build tree is found with -r.
func TestScanEmptyAndRecursive(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := run("scan", dir)
	if code != ExitUsage || !strings.Contains(stderr, "no kernel module (*.ko) found") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	sub := filepath.Join(dir, "modules", "vnet_local")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fixture(t, "arm64", "vnet_local.ko"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "vnet_local.ko"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run("scan", "-r", "--no-progress", dir)
	if code != 0 || !strings.Contains(out, "scanned 1 modules") {
		t.Errorf("scan -r: exit %d: %s%s", code, out, stderr)
	}
}

// --profile takes releases as users name them and says which profile
// governs one; a release older than the architecture is a usage error.
func TestProfileReleases(t *testing.T) {
	arm := fixture(t, "arm64", "vnet_local.ko")
	code, out, stderr := run("check", "--brief", "--profile", "13.2", arm)
	if code != 0 || stderr != "kldcheck: note: --profile 13.2: FreeBSD 13.2 runs the kernel linker of profile freebsd-13\n" ||
		!strings.Contains(out, "profile freebsd-13:") {
		t.Errorf("13.2: exit %d, stderr %q\n%s", code, stderr, out)
	}
	for _, p := range []string{"freebsd-8.2", "10.3"} {
		code, _, stderr = run("check", "--profile", p, arm)
		if code != ExitUsage || !strings.Contains(stderr, "predates FreeBSD/arm64, first released in FreeBSD 11.0") {
			t.Errorf("%s on arm64: exit %d, %q", p, code, stderr)
		}
	}
	if code, _, stderr = run("check", "--profile", "freebsd-10", arm); code != 0 {
		t.Errorf("freebsd-10 (which governs 11.x) on arm64: exit %d, %q", code, stderr)
	}
	if code, _, stderr = run("scan", "--profile", "8.2", filepath.Dir(arm)); code != ExitUsage || !strings.Contains(stderr, "predates FreeBSD/arm64") {
		t.Errorf("scan: exit %d, %q", code, stderr)
	}
}
