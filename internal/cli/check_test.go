package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/rules"
)

func fixture(t *testing.T, config, name string) string {
	return filepath.Join(testutil.Root(t), "testdata", config, name)
}

// check exits 1 on error findings, 0 when clean, and its JSON carries the
// expected and actual addresses of set-ref-unrelocated, and where it lands.
func TestCheckExitAndJSON(t *testing.T) {
	// i386, as the 2011 ipfw_nat report (there was no FreeBSD/arm64 8.2).
	kernel, user := fixture(t, "i386", "kernel"), fixture(t, "i386", "vnet_user.ko")
	code, out, stderr := run("check", "--kernel", kernel, "--profile", "freebsd-8.2", "--format", "json", user)
	if code != ExitFindings || stderr != "" {
		t.Fatalf("freebsd-8.2: exit %d, stderr %q", code, stderr)
	}
	var doc struct {
		Profile  string
		Findings []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Profile != "freebsd-8.2" || len(doc.Findings) == 0 {
		t.Fatalf("%+v", doc)
	}
	for _, f := range doc.Findings {
		// The relocation, field by field.
		r, _ := f["relocation"].(map[string]any)
		if typ, _ := r["type"].(string); !strings.HasPrefix(typ, "R_") || r["offset"] == nil || r["symbol"] != f["symbol"] {
			t.Errorf("relocation %v of finding on %v", r, f["symbol"])
		}
		for _, k := range []string{"rule", "severity", "file", "symbol", "message", "expected", "actual", "lands"} {
			if v, _ := f[k].(string); v == "" {
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

// The text form is the compilers': FILE: FUNCTION+OFFSET: SEVERITY: MESSAGE
// [RULE], then the source line, the relocation, and the rule's why and fix
// (once per rule, unless --brief); colour only when asked for or on a TTY.
func TestCheckText(t *testing.T) {
	kernel, mod := fixture(t, "amd64", "kernel"), fixture(t, "amd64", "undef.ko")
	code, out, _ := run("check", "--kernel", kernel, mod)
	r, _ := rules.Lookup(rules.UndefinedSymbol)
	want := mod + ": undef_modevent+0x13: error: link_elf_obj: symbol no_such_kernel_function undefined [undefined-symbol]\n" +
		"    source: testdata/src/undef.c:15\n" +
		"    relocation: R_X86_64_PLT32 at 0x13 no_such_kernel_function-4\n" +
		"    why: " + r.Kernel + "\n    fix: " + r.Fix + "\n"
	if code != ExitFindings || !strings.HasPrefix(out, want) {
		t.Errorf("exit %d, output:\n%s\nwant:\n%s", code, out, want)
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour when stdout is not a terminal")
	}
	_, out, _ = run("check", "--brief", "--kernel", kernel, mod)
	if strings.Contains(out, "why:") || strings.Contains(out, "fix:") || !strings.Contains(out, "[undefined-symbol]") {
		t.Errorf("--brief:\n%s", out)
	}
	_, out, _ = run("check", "--color", "always", "--kernel", kernel, mod)
	if !strings.Contains(out, "\x1b[1;31merror\x1b[0m") {
		t.Errorf("--color always: no red error in %q", out)
	}
	if code, _, stderr := run("check", "--color", "sometimes", mod); code != ExitUsage || !strings.Contains(stderr, "--color") {
		t.Errorf("--color sometimes: exit %d %q", code, stderr)
	}
}

// The text form gives each set reference's landing place, as an indented
// lands: line after its relocation (the offsets are tested in linker).
func TestCheckTextLands(t *testing.T) {
	kernel, user := fixture(t, "i386", "kernel"), fixture(t, "i386", "vnet_user.ko")
	_, out, _ := run("check", "--brief", "--kernel", kernel, "--profile", "freebsd-8.2", user)
	re := regexp.MustCompile(`(?m)^.*\[set-ref-unrelocated\]\n    relocation: .*\n    lands: (VNET|DPCPU)\(\w+\) (in vnet0|on CPU 0) touches data block \+ 0x[0-9a-f]+, past the end of the 0x[0-9a-f]+-byte block: .*\n`)
	n := len(re.FindAllString(out, -1))
	if n == 0 || n != strings.Count(out, "[set-ref-unrelocated]") {
		t.Errorf("%d findings followed by a lands line in:\n%s", n, out)
	}
}

// The place a finding names is the relocation's: undef_modevent+0x13 is the
// R_X86_64_PLT32 llvm-readelf lists at offset 0x13 of .rela.text, and
// undef_modevent starts .text in llvm-readelf's symbol table.
func TestCheckLocationMatchesReadelf(t *testing.T) {
	dir := filepath.Join(testutil.Root(t), "testdata", "amd64", "readelf")
	relocs, err := os.ReadFile(filepath.Join(dir, "undef.ko.relocs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := os.ReadFile(filepath.Join(dir, "undef.ko.symbols.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^0+13 .*R_X86_64_PLT32 .*no_such_kernel_function - 4$`).Match(relocs) {
		t.Fatalf("llvm-readelf shows no R_X86_64_PLT32 at 0x13:\n%s", relocs)
	}
	if !regexp.MustCompile(`(?m)0+0 +\d+ FUNC .* undef_modevent$`).Match(syms) {
		t.Fatalf("llvm-readelf does not put undef_modevent at 0:\n%s", syms)
	}
	_, out, _ := run("check", "--kernel", fixture(t, "amd64", "kernel"), fixture(t, "amd64", "undef.ko"))
	if !strings.Contains(out, ": undef_modevent+0x13: error:") {
		t.Errorf("output:\n%s", out)
	}
}

// SARIF from check and scan: one result per finding, exit status as for text.
func TestCheckAndScanSARIF(t *testing.T) {
	type log struct {
		Version string
		Runs    []struct {
			Results []struct {
				RuleID    string
				Level     string
				Locations []struct {
					PhysicalLocation struct{ ArtifactLocation struct{ URI string } }
				}
			}
		}
	}
	code, out, _ := run("check", "--format", "sarif", "--kernel", fixture(t, "i386", "kernel"), "--profile", "freebsd-8.2", fixture(t, "i386", "vnet_user.ko"))
	var l log
	if err := json.Unmarshal([]byte(out), &l); err != nil || code != ExitFindings {
		t.Fatalf("exit %d, %v", code, err)
	}
	if l.Version != "2.1.0" || len(l.Runs) != 1 || len(l.Runs[0].Results) == 0 {
		t.Fatalf("%+v", l)
	}
	for _, r := range l.Runs[0].Results {
		if r.RuleID != rules.SetRefUnrelocated || r.Level != "error" || len(r.Locations) != 1 ||
			!strings.HasSuffix(r.Locations[0].PhysicalLocation.ArtifactLocation.URI, "/testdata/i386/vnet_user.ko") {
			t.Errorf("%+v", r)
		}
	}
	code, out, _ = run("scan", "--format", "sarif", "--no-progress", filepath.Join(testutil.Root(t), "testdata", "amd64"))
	l = log{}
	if err := json.Unmarshal([]byte(out), &l); err != nil || code != ExitFindings || len(l.Runs) != 1 {
		t.Fatalf("scan: exit %d, %v", code, err)
	}
	have := map[string]bool{}
	for _, r := range l.Runs[0].Results {
		have[r.RuleID] = true
	}
	for _, id := range []string{rules.UndefinedSymbol, rules.ModspaceExhausted, rules.UserMapPmapEnter} {
		if !have[id] {
			t.Errorf("scan SARIF lacks %s: %v", id, have)
		}
	}
	if code, _, stderr := run("load", "--format", "sarif", fixture(t, "arm64", "vnet_user.ko")); code != ExitUsage || !strings.Contains(stderr, "sarif") {
		t.Errorf("load --format sarif: exit %d %q", code, stderr)
	}
}

func TestLoadShowsModuleSpace(t *testing.T) {
	code, out, _ := run("load", "--kernel", fixture(t, "riscv64", "kernel"), fixture(t, "riscv64", "vnet_user.ko"))
	for _, want := range []string{"vnet_user.ko", "vnet_owner.ko", "VNET module space:", "DPCPU module space:", "Contains modules:"} {
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

// --format html: load and scan write one page; check does not draw.
func TestHTMLFormat(t *testing.T) {
	code, out, _ := run("load", "--format", "html", "--kernel", fixture(t, "arm64", "kernel"), fixture(t, "arm64", "vnet_user.ko"))
	if code != ExitOK || !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, "set_vnet") {
		t.Errorf("load: exit %d, %.200s", code, out)
	}
	code, out, _ = run("scan", "--format", "html", "--no-progress", filepath.Join(testutil.Root(t), "testdata", "arm64-lld14-relax"))
	if code != ExitFindings || !strings.Contains(out, "vnet_local.ko loaded with its dependencies") {
		t.Errorf("scan: exit %d, %.200s", code, out)
	}
	if code, _, _ := run("check", "--format", "html", fixture(t, "arm64", "vnet_user.ko")); code != ExitUsage {
		t.Errorf("check --format html: exit %d", code)
	}
}
