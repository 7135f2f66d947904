package hints_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/hints"
	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
)

// expected lists what kldxref writes for the module files of dir, from
// their metadata (which kobj's tests check against the C sources), by
// kldxref.c's rules: files in name order, those with an extension other
// than .ko skipped; per file the first DECLARE_MODULE, then each
// MODULE_VERSION; no MODULE_DEPEND.
func expected(t *testing.T, dir string) ([]hints.Record, *kobj.File) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if ext := filepath.Ext(e.Name()); e.Type().IsRegular() && (ext == "" || ext == ".ko") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []hints.Record
	var first *kobj.File
	for _, n := range names {
		f, err := kobj.Open(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = f
		}
		declared := false
		for _, m := range f.Metadata {
			if m.Type == kobj.MDTModule && !declared {
				declared = true
				out = append(out, hints.Record{Type: kobj.MDTModule, Module: m.Name, File: n})
			}
		}
		for _, m := range f.Metadata {
			if m.Type == kobj.MDTVersion {
				out = append(out, hints.Record{Type: kobj.MDTVersion, Module: m.Name, Version: m.ModVersion, File: n})
			}
		}
	}
	return out, first
}

// Every fixture directory, indexed as kldxref would, gives a file that
// decodes to the records expected, in the architecture's byte order, with
// each record laid out as the package comment says, re-encodes to the same
// bytes, and leads the simulated kernel to every MODULE_VERSION's file.
func TestFixtureDirectoriesRoundTrip(t *testing.T) {
	for _, dir := range testutil.FixtureDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want, first := expected(t, dir)
			data, warnings, err := hints.IndexDir(dir)
			if err != nil || len(warnings) > 0 {
				t.Fatal(err, warnings)
			}
			tmp := t.TempDir()
			path := filepath.Join(tmp, "linker.hints")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := hints.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if f.Order != first.Arch.ByteOrder() {
				t.Errorf("byte order %v, the modules' is %v", f.Order, first.Arch.ByteOrder())
			}
			got := append([]hints.Record(nil), f.Records...)
			off := 4
			for i := range got {
				r := &got[i]
				// The layout: records tile the file after the version word,
				// each as long as its padded fields.
				strs := len(r.Module) + len(r.File) + 2
				size := 4 + strs
				if r.Type == kobj.MDTVersion {
					size = 4 + 1 + len(r.Module) + 4 + 1 + len(r.File)
					size += (4 - (5+len(r.Module))%4) % 4
				}
				if r.Offset != off || r.Len != (size+3)&^3 {
					t.Errorf("record %d (%s %s): at %#x, %d bytes; want at %#x, %d", i, kobj.MDTName(r.Type), r.Module, r.Offset, r.Len, off, (size+3)&^3)
				}
				off += 4 + r.Len
				r.Offset, r.Len = 0, 0
			}
			if off != len(data) {
				t.Errorf("records end at %#x, the file at %#x", off, len(data))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("records:\n got %+v\nwant %+v", got, want)
			}
			again, err := hints.Encode(f.Order, f.Records)
			if err != nil || !bytes.Equal(again, data) {
				t.Errorf("re-encoding differs: %v", err)
			}
			h := linker.Hints{}
			if err := h.ReadHints(tmp, first.Arch.ByteOrder()); err != nil {
				t.Fatal(err)
			}
			for _, r := range want {
				if r.Type != kobj.MDTVersion {
					continue
				}
				found := false
				for _, e := range h[r.Module] {
					found = found || e.Path == filepath.Join(tmp, r.File) && e.Version == r.Version
				}
				if !found {
					t.Errorf("the kernel's lookup of %s does not find %s: %v", r.Module, r.File, h[r.Module])
				}
			}
		})
	}
}

// kldxref skips files of another architecture than the first it indexed,
// and names with an extension other than .ko; the kernel refuses a file in
// the other byte order.
func TestIndexSkipsAsKldxref(t *testing.T) {
	root := filepath.Join(testutil.Root(t), "testdata")
	open := func(p string) *kobj.File {
		f, err := kobj.Open(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	klds := []hints.Kld{
		{Name: "b.ko", File: open("powerpc64/vnet_owner.ko")},
		{Name: "a.ko", File: open("amd64/vnet_owner.ko")},
		{Name: "c.ko.debug", File: open("amd64/vnet_user.ko")},
	}
	data, warnings, err := hints.Index(klds)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "b.ko does not match architecture of ") {
		t.Errorf("warnings %q", warnings)
	}
	f, err := hints.Parse("h", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Records) != 2 || f.Records[0].File != "a.ko" || f.Records[1].File != "a.ko" {
		t.Errorf("records %+v", f.Records)
	}
	if data, _, _ := hints.Index(klds[2:]); data != nil {
		t.Errorf("no .ko file, but %d bytes: kldxref writes no file", len(data))
	}
	tmp := t.TempDir()
	big, _, _ := hints.Index(klds[:1])
	if err := os.WriteFile(filepath.Join(tmp, "linker.hints"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	err = linker.Hints{}.ReadHints(tmp, open("amd64/kernel").Arch.ByteOrder())
	if err == nil || !strings.Contains(err.Error(), "version mismatch: written big-endian, the kernel reads little-endian") {
		t.Errorf("big-endian hints for a little-endian kernel: %v", err)
	}
}
