package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// Names in a hostile file (symbols, the file's own name) carrying ESC, OSC,
// CR and LF reach no text output raw: info, info --symbols --relocs, calls
// and load escape them (a name's newline would start a line of its own).
func TestNoTerminalInjection(t *testing.T) {
	for _, config := range []string{"arm64", "amd64"} {
		data, err := os.ReadFile(filepath.Join(testutil.Root(t), "testdata", config, "vnet_user.ko"))
		if err != nil {
			t.Fatal(err)
		}
		// Same length, so every table stays in place.
		evil := bytes.ReplaceAll(data, []byte("nat_lookup"), []byte("n\x1b]0;x\x07\r\nz"))
		if bytes.Equal(evil, data) {
			t.Fatal("fixture has no nat_lookup")
		}
		dir := t.TempDir()
		p := filepath.Join(dir, "evil\x1b[2J.ko")
		if err := os.WriteFile(p, evil, 0o644); err != nil {
			t.Fatal(err)
		}
		owner := filepath.Join(testutil.Root(t), "testdata", config, "vnet_owner.ko")
		for _, args := range [][]string{
			{"info", p},
			{"info", "--symbols", "--relocs", p},
			{"calls", p},
			{"load", owner, p},
		} {
			_, out, stderr := run(args...)
			if strings.ContainsAny(out+stderr, "\x1b\x07\r") || strings.Contains(out+stderr, "\nz") {
				t.Errorf("%s %v: raw control characters in the output:\n%q", config, args[:len(args)-1], out+stderr)
			}
			if !strings.Contains(out+stderr, `\x1b`) {
				t.Errorf("%s %v: the escaped name is not shown:\n%s", config, args[:len(args)-1], out+stderr)
			}
		}
	}
}

// A file name that is not valid UTF-8 survives scan's JSON byte for byte in
// file_base64 (file itself carries U+FFFD, as JSON strings must).
func TestScanJSONByteExactNames(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad\xff\xfename.ko")
	data, err := os.ReadFile(filepath.Join(testutil.Root(t), "testdata", "amd64", "set_init.ko"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Skipf("file system refuses the name: %v", err)
	}
	_, out, stderr := run("scan", "--format", "json", dir)
	var doc struct {
		Modules []struct {
			File       string `json:"file"`
			FileBase64 string `json:"file_base64"`
		} `json:"modules"`
		Findings []struct {
			File       string `json:"file"`
			FileBase64 string `json:"file_base64"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s%s", err, out, stderr)
	}
	want := base64.StdEncoding.EncodeToString([]byte(p))
	if len(doc.Modules) != 1 || doc.Modules[0].FileBase64 != want {
		t.Errorf("modules %+v, want file_base64 %s", doc.Modules, want)
	}
	if len(doc.Findings) == 0 || doc.Findings[0].FileBase64 != want {
		t.Errorf("findings %+v", doc.Findings)
	}
}
