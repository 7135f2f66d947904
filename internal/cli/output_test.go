package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// --fail-on sets the severity that makes check exit 1; -o writes the report
// to a file and nothing to stdout.
func TestFailOnAndOutput(t *testing.T) {
	mod := fixture(t, "i386", "vnet_user.ko") // no kernel: one note, no error
	if code, _, _ := run("check", mod); code != ExitOK {
		t.Errorf("default --fail-on error: exit %d with only a note", code)
	}
	if code, _, _ := run("check", "--fail-on", "note", mod); code != ExitFindings {
		t.Errorf("--fail-on note: exit %d", code)
	}
	if code, _, stderr := run("check", "--fail-on", "fatal", mod); code != ExitUsage || !strings.Contains(stderr, "unknown severity") {
		t.Errorf("--fail-on fatal: exit %d %q", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "report.json")
	code, stdout, _ := run("check", "--format", "json", "-o", out, "--profile", "freebsd-8.2", mod)
	if code != ExitFindings || stdout != "" {
		t.Errorf("-o: exit %d, stdout %q", code, stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Findings []struct{ Rule string } }
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Findings) < 2 {
		t.Errorf("report file: %v %s", err, data)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".report.json.*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	if code, _, stderr := run("check", "-o", filepath.Join(t.TempDir(), "no", "such", "dir", "r.txt"), mod); code != ExitUsage || !strings.HasPrefix(stderr, "kldcheck: ") {
		t.Errorf("unwritable -o: exit %d %q", code, stderr)
	}
}

func TestRulesCommand(t *testing.T) {
	code, out, _ := run("rules", "--format", "json")
	var doc struct {
		Rules []map[string]string `json:"rules"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Rules) < 10 {
		t.Fatalf("exit %d: %s", code, out)
	}
	// lower_snake keys, as every other JSON document of kldcheck.
	for _, k := range []string{"id", "severity", "summary", "kernel", "source", "fix"} {
		if doc.Rules[0][k] == "" {
			t.Errorf("rules JSON lacks %q: %v", k, doc.Rules[0])
		}
	}
	code, out, _ = run("rules")
	if code != ExitOK || !strings.Contains(out, "set-ref-unrelocated (error)") {
		t.Errorf("exit %d: %s", code, out)
	}
}

func TestVersionCommand(t *testing.T) {
	code, out, _ := run("version")
	if code != ExitOK || !strings.HasPrefix(out, "kldcheck ") || !strings.Contains(out, "go1.") {
		t.Errorf("exit %d: %q", code, out)
	}
	if code, _, _ := run("version", "extra"); code != ExitUsage {
		t.Errorf("version with an argument: exit %d", code)
	}
}

// scan without arguments takes the kernel's module path and skips a
// directory of it that does not exist, as the kernel does.
func TestScanDefaultModulePath(t *testing.T) {
	saved := defaultModulePath
	defer func() { defaultModulePath = saved }()
	defaultModulePath = []string{filepath.Join(testutil.Root(t), "testdata", "arm64-lld14-norelax"), filepath.Join(t.TempDir(), "modules")}
	if code, out, stderr := run("scan", "--no-progress"); code != ExitOK || !strings.Contains(out, "scanned 3 modules") {
		t.Errorf("exit %d: %s%s", code, out, stderr)
	}
	defaultModulePath = defaultModulePath[1:]
	if code, _, stderr := run("scan"); code != ExitUsage || !strings.Contains(stderr, "none of") {
		t.Errorf("no directory: exit %d %q", code, stderr)
	}
}

// scan's JSON summary has every key, zero or not.
func TestScanSummaryKeys(t *testing.T) {
	dir := filepath.Join(testutil.Root(t), "testdata", "amd64")
	_, out, _ := run("scan", "--format", "json", "--kernel", filepath.Join(dir, "kernel"), filepath.Join(dir, "vnet_owner.ko"))
	var doc struct {
		Summary map[string]*int `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"modules", "clean", "note", "warning", "error"} {
		if doc.Summary[k] == nil {
			t.Errorf("summary lacks %q: %s", k, out)
		}
	}
}
