package scan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/rules"
)

// Directories are searched in the order given, as kern.module_path: with
// a broken vnet_owner.ko in one directory and a good one in the other, the
// dependency of vnet_user.ko comes from whichever is named first.
func TestScanDirectoryOrder(t *testing.T) {
	src := filepath.Join(testutil.Root(t), "testdata", "arm64")
	good, bad := filepath.Join(t.TempDir(), "z-good"), filepath.Join(t.TempDir(), "a-bad")
	for _, d := range []string{good, bad} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, filepath.Join(src, "vnet_owner.ko"), filepath.Join(good, "vnet_owner.ko"))
	copyFile(t, filepath.Join(src, "vnet_user.ko"), filepath.Join(good, "vnet_user.ko"))
	// The same module in another build: its set_vnet is too big to load.
	copyFile(t, filepath.Join(src, "bigvnet.ko"), filepath.Join(bad, "vnet_owner.ko"))
	kernel := filepath.Join(src, "kernel")
	for _, order := range [][]string{{good, bad}, {bad, good}} {
		res, err := Run(Options{Dirs: order, Kernel: kernel})
		if err != nil {
			t.Fatal(err)
		}
		if first := filepath.Dir(res.Modules[0].Path); first != order[0] {
			t.Errorf("modules listed from %s first, want %s", first, order[0])
		}
		var user []rules.Finding
		for _, m := range res.Modules {
			if m.Path == filepath.Join(good, "vnet_user.ko") {
				user = m.Findings
			}
		}
		// bigvnet.ko provides no vnet_owner module: from the bad
		// directory first, the file named vnet_owner.ko is found, loads,
		// and lacks the version (or exhausts module space).
		failed := len(user) > 0
		if failed != (order[0] == bad) {
			t.Errorf("order %v: vnet_user.ko findings %v", order, user)
		}
	}
	// Without a kernel, a dependency whose file does not load may be
	// compiled into the kernel: vnet_user.ko is not failed for it, and the
	// note says which file did not load.
	res, err := Run(Options{Dirs: []string{bad, good}})
	if err != nil {
		t.Fatal(err)
	}
	notes := byRuleIn(res, rules.KernelDependency)
	if len(notes) != 1 || !strings.Contains(notes[0].Message, "vnet_owner (needed by vnet_user.ko; vnet_owner.ko provides it but does not load itself)") {
		t.Errorf("kernel-dependency notes: %v", notes)
	}
	for _, m := range res.Modules {
		if filepath.Base(m.Path) == "vnet_user.ko" && len(m.Findings) != 0 {
			t.Errorf("vnet_user.ko: %v", m.Findings)
		}
	}
}

// scan FILE checks that file (no linker.hints error about FILE/); a
// directory without modules is an error that says so, and names -r when
// modules lie deeper; -r finds them.
func TestScanArgumentsAndRecursion(t *testing.T) {
	src := filepath.Join(testutil.Root(t), "testdata", "arm64", "vnet_local.ko")
	res, err := Run(Options{Dirs: []string{src}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Modules) != 1 || len(res.Findings) != 0 {
		t.Errorf("scan FILE: %d modules, tree findings %v", len(res.Modules), res.Findings)
	}

	empty := t.TempDir()
	if _, err := Run(Options{Dirs: []string{empty}}); err == nil || !strings.Contains(err.Error(), "no kernel module (*.ko) found") {
		t.Errorf("empty directory: %v", err)
	}
	nested := filepath.Join(empty, "usr", "src", "sys", "modules", "vnet_local")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, src, filepath.Join(nested, "vnet_local.ko"))
	if _, err := Run(Options{Dirs: []string{empty}}); err == nil || !strings.Contains(err.Error(), "scan -r") {
		t.Errorf("modules below: %v", err)
	}
	res, err = Run(Options{Dirs: []string{empty}, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Modules) != 1 || res.Modules[0].Path != filepath.Join(nested, "vnet_local.ko") {
		t.Errorf("-r found %v", res.Modules)
	}
}
