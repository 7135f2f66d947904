package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// diff is a CI gate: exit 1 when NEW brings a finding OLD lacked, 0 for a
// tree against itself or for a fix; SARIF carries the new findings only.
func TestDiffGate(t *testing.T) {
	norelax := filepath.Join(testutil.Root(t), "testdata", "arm64-lld14-norelax")
	relax := filepath.Join(testutil.Root(t), "testdata", "arm64-lld14-relax")
	code, out, stderr := run("diff", "--brief", norelax, relax)
	if code != ExitFindings || !strings.Contains(out, "reference: vnet_local_x_offset: vnet_entry_x: GOT load (R_AARCH64_RELATIVE) -> PC-relative adr") {
		t.Errorf("toolchain change: exit %d %s\n%s", code, stderr, out)
	}
	if code, out, _ = run("diff", relax, relax); code != 0 || !strings.Contains(out, "0 changed, 0 new findings") {
		t.Errorf("self: exit %d\n%s", code, out)
	}
	if code, out, _ = run("diff", relax, norelax); code != 0 || !strings.Contains(out, "fixed: vnet_local.ko:") {
		t.Errorf("the fix: exit %d\n%s", code, out)
	}
	code, out, _ = run("diff", "--format", "sarif", norelax, relax)
	var log struct {
		Runs []struct {
			Results []struct{ RuleID string }
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || code != ExitFindings || len(log.Runs) != 1 {
		t.Fatalf("sarif: exit %d %v", code, err)
	}
	for _, r := range log.Runs[0].Results {
		if r.RuleID != "set-ref-pcrel" {
			t.Errorf("SARIF carries %s, not only the new set-ref-pcrel findings", r.RuleID)
		}
	}
	if len(log.Runs[0].Results) != 2 {
		t.Errorf("%d SARIF results, want the 2 new findings", len(log.Runs[0].Results))
	}
}

// The HTML page lists the changed references and the new findings.
func TestDiffHTML(t *testing.T) {
	norelax := filepath.Join(testutil.Root(t), "testdata", "arm64-lld14-norelax")
	relax := filepath.Join(testutil.Root(t), "testdata", "arm64-lld14-relax")
	code, out, _ := run("diff", "--format", "html", norelax, relax)
	for _, want := range []string{"<h2>Changed references</h2>", "vnet_local: vnet_local_xp: vnet_entry_x: GOT load (R_AARCH64_RELATIVE) -&gt; PC-relative adr", "<h2>New findings</h2>", "set-ref-pcrel"} {
		if code != ExitFindings || !strings.Contains(out, want) {
			t.Errorf("exit %d; page lacks %q", code, want)
		}
	}
}
