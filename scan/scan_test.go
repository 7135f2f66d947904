package scan

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/rules"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A tree with a stand-in kernel, good and bad modules, a damaged file and a
// duplicate: every bad one is reported, the rest are clean.
func TestScanMixedTree(t *testing.T) {
	src := filepath.Join(testutil.Root(t), "testdata", "arm64")
	dir := t.TempDir()
	for _, n := range []string{"kernel", "vnet_owner.ko", "vnet_user.ko", "vnet_local.ko", "vmmap_good.ko", "undef.ko", "bigvnet.ko", "nodep.ko"} {
		copyFile(t, filepath.Join(src, n), filepath.Join(dir, n))
	}
	copyFile(t, filepath.Join(src, "vnet_owner.ko"), filepath.Join(dir, "owner_copy.ko"))
	if err := os.WriteFile(filepath.Join(dir, "broken.ko"), []byte("\x7fELF\x02\x01\x01"), 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(src, "undef.ko"), filepath.Join(dir, "undef.ko.debug")) // two dots: skipped
	res, err := Run(Options{Dirs: []string{dir}, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"broken.ko": rules.BadFile, "undef.ko": rules.UndefinedSymbol, "bigvnet.ko": rules.ModspaceExhausted,
		"nodep.ko": rules.UndeclaredDependency, // vnet_owner.ko of the tree defines what it uses
	}
	got := map[string][]string{}
	for _, f := range res.AllFindings() {
		got[filepath.Base(f.File)] = append(got[filepath.Base(f.File)], f.Rule)
	}
	for file, rule := range want {
		if !strings.Contains(strings.Join(got[file], " "), rule) {
			t.Errorf("%s: findings %v, want %s", file, got[file], rule)
		}
	}
	// The later of the two files declaring vnet_owner (owner_copy.ko sorts
	// first) is reported, naming the other: a warning, since each loads
	// alone (the kernel refuses the version before the module name).
	dups := byRuleIn(res, rules.ModuleConflict)
	if len(dups) != 1 || filepath.Base(dups[0].File) != "vnet_owner.ko" || dups[0].Severity != rules.Warning ||
		!strings.Contains(dups[0].Message, "interface vnet_owner.1 already present in the KLD 'owner_copy.ko'!") {
		t.Fatalf("module-conflict findings: %v", dups)
	}
	if d := byRuleIn(res, rules.DuplicateModule); len(d) != 0 {
		t.Errorf("duplicate-module findings for files that each load alone: %v", d)
	}
	delete(got, filepath.Base(dups[0].File))
	for _, clean := range []string{"vnet_owner.ko", "owner_copy.ko", "vnet_user.ko", "vnet_local.ko", "vmmap_good.ko"} {
		if len(got[clean]) != 0 {
			t.Errorf("%s should be clean: %v", clean, got[clean])
		}
	}
	if len(res.Modules) != 9 || res.Kernel != filepath.Join(dir, "kernel") {
		t.Errorf("%d modules, kernel %q", len(res.Modules), res.Kernel)
	}
}

func byRuleIn(r *Result, rule string) []rules.Finding {
	var out []rules.Finding
	for _, f := range r.AllFindings() {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func TestCycles(t *testing.T) {
	mk := func(path, name string, deps ...string) *kobj.File {
		f := &kobj.File{Path: path}
		f.Metadata = append(f.Metadata, kobj.Metadata{Type: kobj.MDTVersion, Name: name, ModVersion: 1})
		for _, d := range deps {
			f.Metadata = append(f.Metadata, kobj.Metadata{Type: kobj.MDTDepend, Name: d, Min: 1, Preferred: 1, Max: 1})
		}
		return f
	}
	files := map[string]*kobj.File{
		"/m/a.ko": mk("/m/a.ko", "a", "b"),
		"/m/b.ko": mk("/m/b.ko", "b", "c"),
		"/m/c.ko": mk("/m/c.ko", "c", "a"),
		"/m/d.ko": mk("/m/d.ko", "d", "a"),
	}
	h := linker.Hints{}
	for _, f := range files {
		h.IndexModules(f)
	}
	fs, _ := cycles(files, dependsOn(files, []string{"/m"}, h, nil))
	if len(fs) != 1 || fs[0].Message != "MODULE_DEPEND cycle: a.ko -> b.ko -> c.ko -> a.ko" {
		t.Errorf("%v", fs)
	}
	// Copies of a provider (a damaged tree holds hundreds) add no edges:
	// each MODULE_DEPEND follows the one file a load would find.
	for i := range 500 {
		p := fmt.Sprintf("/m/copy%03d.ko", i)
		files[p] = mk(p, "a", "b")
		h.IndexModules(files[p])
	}
	deps := dependsOn(files, []string{"/m"}, h, nil)
	if got := deps["/m/d.ko"]; len(got) != 1 || got[0] != "/m/a.ko" {
		t.Errorf("d.ko depends on %v, want the first provider of a, /m/a.ko", got)
	}
	if fs, _ := cycles(files, deps); len(fs) != 1 {
		t.Errorf("%d cycles with 500 copies of a.ko, want the one: %v", len(fs), fs[:min(len(fs), 3)])
	}
}

// A linker.hints file written in kldxref's format maps a module name to a
// file whose name differs from it.
func TestHintsFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(testutil.Root(t), "testdata", "amd64")
	copyFile(t, filepath.Join(src, "vnet_owner.ko"), filepath.Join(dir, "renamed_owner.ko"))
	copyFile(t, filepath.Join(src, "vnet_user.ko"), filepath.Join(dir, "vnet_user.ko"))
	// version 1; one MDT_VERSION record: "vnet_owner", pad, version 1, "renamed_owner.ko".
	rec := []byte{3, 0, 0, 0, 10}
	rec = append(rec, "vnet_owner"...)
	for len(rec)%4 != 0 {
		rec = append(rec, 0)
	}
	rec = append(rec, 1, 0, 0, 0, 16)
	rec = append(rec, "renamed_owner.ko"...)
	for len(rec)%4 != 0 {
		rec = append(rec, 0)
	}
	hints := append([]byte{1, 0, 0, 0, byte(len(rec)), 0, 0, 0}, rec...)
	if err := os.WriteFile(filepath.Join(dir, "linker.hints"), hints, 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(src, "kernel"), filepath.Join(dir, "kernel"))
	h := linker.Hints{}
	if err := h.ReadHints(dir, binary.LittleEndian); err != nil {
		t.Fatal(err)
	}
	if len(h["vnet_owner"]) != 1 || h["vnet_owner"][0].Path != filepath.Join(dir, "renamed_owner.ko") {
		t.Fatalf("hints %v", h)
	}
	res, err := Run(Options{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if fs := res.AllFindings(); len(fs) != 0 {
		t.Errorf("vnet_user.ko should find vnet_owner through linker.hints: %v", fs)
	}
}
