package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/hints"
	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// For a linker.hints file written as kldxref writes one for each fixture
// directory, `kldcheck hints` prints the lines kldxref -d prints for that
// directory (kldxref.c, FreeBSD 15: the path of each file it reads, then
// "  module NAME" for its first DECLARE_MODULE and "  interface
// NAME.VERSION" for each MODULE_VERSION), less its "depends on" lines,
// which linker.hints does not hold. The JSON form gives the same records.
func TestHintsPrintsKldxrefRecords(t *testing.T) {
	for _, dir := range testutil.FixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			data, _, err := hints.IndexDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			if err := os.WriteFile(filepath.Join(tmp, "linker.hints"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			ents, _ := os.ReadDir(dir)
			var names []string
			for _, e := range ents {
				if ext := filepath.Ext(e.Name()); e.Type().IsRegular() && (ext == "" || ext == ".ko") {
					names = append(names, e.Name())
				}
			}
			sort.Strings(names)
			var want []string
			records := 0
			for _, n := range names {
				f, err := kobj.Open(filepath.Join(dir, n))
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, filepath.Join(tmp, n))
				for _, m := range f.Metadata {
					if m.Type == kobj.MDTModule {
						want = append(want, "  module "+m.Name)
						records++
						break
					}
				}
				for _, m := range f.Metadata {
					if m.Type == kobj.MDTVersion {
						want = append(want, "  interface "+m.Name+"."+strconv.Itoa(m.ModVersion))
						records++
					}
				}
			}
			code, out, stderr := run("hints", tmp)
			if code != ExitOK || stderr != "" {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if got := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
			}
			code, out, _ = run("hints", "--format", "json", filepath.Join(tmp, "linker.hints"))
			var doc struct {
				ByteOrder string `json:"byte_order"`
				Records   []struct{ Type, Module, File string }
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitOK || len(doc.Records) != records {
				t.Fatalf("json: exit %d, %v, %d records, want %d", code, err, len(doc.Records), records)
			}
		})
	}
}

// Bad hints files are one-line errors naming the file, exit status 2.
func TestHintsBadFiles(t *testing.T) {
	tmp := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		arg, want string
	}{
		{filepath.Join(tmp, "none"), "kldcheck: " + filepath.Join(tmp, "none") + ": no such file or directory\n"},
		{tmp, "kldcheck: " + filepath.Join(tmp, "linker.hints") + ": no such file or directory\n"},
		{write("version", []byte{2, 0, 0, 0}), "kldcheck: " + filepath.Join(tmp, "version") + ": version word 0x00000002 is not 1 in either byte order: not a linker.hints file\n"},
		{write("cut", []byte{1, 0, 0, 0, 32, 0, 0, 0, 2, 0}), "kldcheck: " + filepath.Join(tmp, "cut") + ": record at 0x4: length 32 runs past the end of the file (2 bytes left)\n"},
		{write("big", make([]byte, hints.MaxSize+1)), "kldcheck: " + filepath.Join(tmp, "big") + ": 1048577 bytes, more than the 1048576 the kernel reads (LINKER_HINTS_MAX): it ignores the file\n"},
	} {
		code, out, stderr := run("hints", c.arg)
		if code != ExitUsage || out != "" || stderr != c.want {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %q", c.arg, code, out, stderr, c.want)
		}
	}
}
