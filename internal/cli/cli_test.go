package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

func run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestInfoJSON(t *testing.T) {
	var paths []string
	for _, fx := range testutil.Fixtures(t) {
		paths = append(paths, fx.Path)
	}
	code, out, stderr := run(append([]string{"info", "--format", "json"}, paths...)...)
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var doc struct {
		Files []struct {
			File, Type, Class, Endian, Machine string
			Relocations                        map[string]int
			Sets                               []struct {
				Name    string
				Address string
				Size    uint64
				Symbols []struct {
					Name         string
					Offset, Size uint64
				}
			}
			Modules []struct {
				Name    string
				Version int
			}
			Depends []struct {
				Module              string
				Min, Preferred, Max int
			} `json:"depends_on"` // as in load's JSON
			OSRelDate int
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Files) != len(paths) {
		t.Fatalf("%d files in JSON, %d given", len(doc.Files), len(paths))
	}
	for i, f := range doc.Files {
		if f.File != paths[i] || f.Type == "" || f.Class == "" || f.Endian == "" || f.Machine == "" || len(f.Relocations) == 0 || len(f.Sets) == 0 {
			t.Errorf("incomplete entry for %s: %+v", paths[i], f)
		}
		if filepath.Base(f.File) == "vnet_user.ko" {
			found := false
			for _, d := range f.Depends {
				found = found || d.Module == "vnet_owner" && d.Min == 1
			}
			if !found {
				t.Errorf("%s: depends_on %+v lacks vnet_owner", f.File, f.Depends)
			}
		}
	}
}

func TestInfoText(t *testing.T) {
	fx := testutil.Fixtures(t)[0]
	code, out, _ := run("info", fx.Path)
	if code != ExitOK || !strings.HasPrefix(out, fx.Path+": ") || !strings.Contains(out, "relocations:") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

// Bad usage and bad input exit 2 with one line "kldcheck: FILE: what is wrong".
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "notelf.ko")
	if err := os.WriteFile(notELF, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"info", notELF}, "kldcheck: " + notELF + ": not an ELF file\n"},
		{[]string{"info", filepath.Join(dir, "missing.ko")}, "kldcheck: " + filepath.Join(dir, "missing.ko") + ": no such file or directory\n"},
		{[]string{"info", "--format", "xml", notELF}, "kldcheck: unknown --format \"xml\" (want one of [text json])\n"},
		{[]string{"info"}, ""},
		{[]string{"nosuchcommand"}, ""},
	} {
		code, _, stderr := run(c.args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", c.args, code, ExitUsage)
		}
		if c.stderr != "" && stderr != c.stderr {
			t.Errorf("%v: stderr %q, want %q", c.args, stderr, c.stderr)
		}
		if !strings.HasPrefix(stderr, "kldcheck: ") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: stderr %q is not one kldcheck: line", c.args, stderr)
		}
	}
}
