package kobj_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// checkErr requires the one-line error about the file that every bad input
// gets, and that the failure was not kldcheck's own.
func checkErr(t *testing.T, err error) {
	t.Helper()
	var ke *kobj.Error
	if !errors.As(err, &ke) {
		t.Fatalf("error %T %q is not a *kobj.Error", err, err)
	}
	if ke.Internal {
		t.Fatalf("kldcheck failed on this input: %v", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "fuzz.ko: ") || strings.Contains(msg, "\n") {
		t.Fatalf("error %q is not one line naming the file", msg)
	}
}

// exercise calls the accessors the linker and the checks use after Parse,
// across the whole file, so that what Parse accepted is safe to read.
func exercise(t *testing.T, f *kobj.File) {
	for _, s := range f.Sections {
		if _, err := f.Data(s); err != nil {
			checkErr(t, err)
		}
		if s.Alloc() {
			for _, a := range []uint64{s.Addr, s.Addr + s.Size - 1, s.Addr + s.Size} {
				f.ReadPointer(a)
				f.ReadUint(a, 4)
				f.ReadString(a, 64)
				f.RelocAt(a)
			}
		}
	}
	for _, t := range f.RelocTables {
		syms := f.SymbolsOf(t)
		for i := range t.Relocs {
			if i > 64 {
				break
			}
			_ = f.RelocString(t, &t.Relocs[i])
			_ = syms
		}
	}
	f.RelocCounts()
	f.Modules()
	f.Depends()
	for _, st := range f.Sets {
		f.Set(st.Name)
	}
}

// FuzzParse: the ELF reader, with the metadata, set and relocation parsers
// it runs, never panics and gives one-line errors; what it accepts is safe
// to read.
func FuzzParse(f *testing.F) {
	testutil.AddSeeds(f, nil)
	// Header tables damaged as the hostile-input trials found them: counts
	// and entry sizes of 0xffff (ELF32 and ELF64 offsets), a truncation
	// inside the section headers.
	for _, fx := range vnetUserFixtures(f) {
		data := fx.data
		for _, off := range []int{0x2a, 0x2c, 0x2e, 0x30, 0x36, 0x38, 0x3a, 0x3c} {
			b := append([]byte(nil), data...)
			b[off], b[off+1] = 0xff, 0xff
			f.Add(b)
		}
		f.Add(data[:len(data)-10])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := kobj.Parse("fuzz.ko", data)
		if err != nil {
			checkErr(t, err)
			if strings.HasSuffix(err.Error(), "EOF") {
				t.Fatalf("error %q names no fault", err)
			}
			return
		}
		exercise(t, kf)
	})
}

// fixtureFile is a fixture's path and bytes.
type fixtureFile struct {
	path string
	data []byte
}

// vnetUserFixtures returns every architecture's vnet_user.ko, in the order
// of testutil.Fixtures (seeds refer to them by index).
func vnetUserFixtures(f *testing.F) []fixtureFile {
	var out []fixtureFile
	for _, fx := range testutil.Fixtures(f) {
		if fx.Name != "vnet_user.ko" {
			continue
		}
		data, err := os.ReadFile(fx.Path)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, fixtureFile{fx.Path, data})
	}
	return out
}

// FuzzMetadata replaces the contents of set_modmetadata_set and of the data
// its records point to (.data, .rodata) in fixture modules, so that the
// metadata parser sees well-formed ELF with hostile records.
func FuzzMetadata(f *testing.F) {
	var bases [][]byte
	for _, fx := range vnetUserFixtures(f) {
		bases = append(bases, fx.data)
		kf, err := kobj.Parse(fx.path, fx.data)
		if err != nil {
			f.Fatal(err)
		}
		if s := kf.SectionByName("set_modmetadata_set"); s != nil {
			b, _ := kf.Data(s)
			f.Add(uint8(len(bases)-1), uint8(0), b)
		}
	}
	f.Fuzz(func(t *testing.T, which, target uint8, repl []byte) {
		base := bases[int(which)%len(bases)]
		kf, err := kobj.Parse("fuzz.ko", base)
		if err != nil {
			t.Fatal(err)
		}
		name := []string{"set_modmetadata_set", ".data", ".rodata", ".rodata.str1.1"}[int(target)%4]
		s := kf.SectionByName(name)
		if s == nil || s.Type == 8 /* SHT_NOBITS */ {
			return
		}
		data := append([]byte(nil), base...)
		off, n := int(s.Offset), int(s.Size)
		if off < 0 || off+n > len(data) {
			return
		}
		copy(data[off:off+n], repl) // never changes the file's size
		kf, err = kobj.Parse("fuzz.ko", data)
		if err != nil {
			checkErr(t, err)
			return
		}
		exercise(t, kf)
	})
}
