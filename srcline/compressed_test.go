package srcline

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// testdata/arm64-gz holds modules built with clang -gz=zstd and linked with
// lld --compress-debug-sections=zlib (SHF_COMPRESSED DWARF): every function
// gets the same source line as in the uncompressed arm64 build.
func TestCompressedDWARF(t *testing.T) {
	root := testutil.Root(t)
	for _, m := range []string{"vnet_static.ko", "vnet_owner.ko", "vnet_user.ko"} {
		gz, err := kobj.Open(filepath.Join(root, "testdata", "arm64-gz", m))
		if err != nil {
			t.Fatal(err)
		}
		compressed := false
		for _, s := range gz.Sections {
			if s.Name == ".debug_info" && s.Flags&elf.SHF_COMPRESSED != 0 {
				compressed = true
			}
		}
		if !compressed {
			t.Fatalf("%s: .debug_info is not compressed", m)
		}
		plain, err := kobj.Open(filepath.Join(root, "testdata", "arm64", m))
		if err != nil {
			t.Fatal(err)
		}
		tg, err := Open(gz, nil)
		if err != nil || tg == nil {
			t.Fatalf("%s (compressed): %v", m, err)
		}
		tp, err := Open(plain, nil)
		if err != nil || tp == nil {
			t.Fatalf("%s: %v", m, err)
		}
		n := 0
		for _, s := range plain.Symbols {
			if s.Type != elf.STT_FUNC || s.Size == 0 {
				continue
			}
			fp, lp, okp := tp.Line(s.Value)
			var g *kobj.Symbol
			for i := range gz.Symbols {
				if gz.Symbols[i].Name == s.Name && gz.Symbols[i].Type == elf.STT_FUNC {
					g = &gz.Symbols[i]
				}
			}
			if g == nil || !okp {
				continue
			}
			fg, lg, okg := tg.Line(g.Value)
			if !okg || fg != fp || lg != lp {
				t.Errorf("%s %s: compressed %s:%d (%v), plain %s:%d", m, s.Name, fg, lg, okg, fp, lp)
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s: no function compared", m)
		}
	}
}

// A compressed section that claims to inflate far beyond its file (a
// decompression bomb) is refused before anything is inflated: an error
// naming the section, and no source lines, rather than gigabytes.
func TestCompressedDWARFBomb(t *testing.T) {
	path := filepath.Join(testutil.Root(t), "testdata", "arm64-gz", "vnet_static.ko")
	data := testutil.DWARFBomb(t, 1<<30)
	mod, err := kobj.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	tab, err := load(mod, path, data)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "section .debug_info claims 1073741824 bytes once decompressed") {
		t.Errorf("load = %v, %v; want the bomb refused", tab, err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<20 {
		t.Errorf("allocated %d MB on the way", grown>>20)
	}
}

// srcline/testdata/zdebug holds amd64 modules with the old GNU form of
// compressed DWARF (.zdebug_* sections): the same lines as uncompressed, and
// a "ZLIB" header claiming 1 GiB refused as a bomb.
func TestZdebugDWARF(t *testing.T) {
	root := testutil.Root(t)
	for _, m := range []string{"undef.ko", "vnet_owner.ko"} {
		zpath := filepath.Join(root, "srcline", "testdata", "zdebug", m)
		z, err := kobj.Open(zpath)
		if err != nil {
			t.Fatal(err)
		}
		if z.SectionByName(".zdebug_info") == nil {
			t.Fatalf("%s has no .zdebug_info", m)
		}
		plain, err := kobj.Open(filepath.Join(root, "testdata", "amd64", m))
		if err != nil {
			t.Fatal(err)
		}
		tz, err := Open(z, nil)
		if err != nil || tz == nil {
			t.Fatalf("%s: %v", m, err)
		}
		tp, err := Open(plain, nil)
		if err != nil || tp == nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range plain.Symbols {
			if s.Type != elf.STT_FUNC || s.Size == 0 {
				continue
			}
			fp, lp, okp := tp.Line(s.Addr)
			fz, lz, okz := tz.Line(s.Addr)
			if okp != okz || fp != fz || lp != lz {
				t.Errorf("%s %s: zdebug %s:%d, plain %s:%d", m, s.Name, fz, lz, fp, lp)
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s: no function compared", m)
		}
		// The bomb: the ZLIB header's big-endian size says 1 GiB.
		data, err := os.ReadFile(zpath)
		if err != nil {
			t.Fatal(err)
		}
		zi := z.SectionByName(".zdebug_info")
		if string(data[zi.Offset:zi.Offset+4]) != "ZLIB" {
			t.Fatal("no ZLIB header")
		}
		binary.BigEndian.PutUint64(data[zi.Offset+4:], 1<<30)
		bomb, err := kobj.Parse(zpath, data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := load(bomb, zpath, data); err == nil || !strings.Contains(err.Error(), "section .zdebug_info claims 1073741824 bytes") {
			t.Errorf("%s: bomb gave %v", m, err)
		}
	}
}
