package hints

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/kobj"
)

// The oracle: the bytes kldxref writes for a directory holding one module
// file, vnet_owner.ko, with DECLARE_MODULE(vnet_owner) and
// MODULE_VERSION(vnet_owner, 1), worked out by hand from
// usr.sbin/kldxref/kldxref.c (FreeBSD 15, kactertech/Irid snapshot):
//
//   - record_end writes the version word 1 before the first record;
//   - record_int rounds the position in the record buffer up to 4, then
//     stores 4 bytes in the byte order of the file (le32enc/be32enc);
//   - record_string stores one length byte and the characters, unpadded;
//   - record_end rounds the record up to 4 (the buffer is zeroed by
//     record_start) and writes that length, then the record.
//
// The MDT_MODULE record (type 2): type at 0..3, "\x0avnet_owner" at 4..14,
// "\x0dvnet_owner.ko" at 15..28, zeros to 32: length 32. The MDT_VERSION
// record (type 3): type, "\x0avnet_owner" at 4..14, one zero, version 1 at
// 16..19, "\x0dvnet_owner.ko" at 20..33, zeros to 36: length 36.
var oracleLE = []byte{
	0x01, 0x00, 0x00, 0x00, // version 1
	0x20, 0x00, 0x00, 0x00, // length 32
	0x02, 0x00, 0x00, 0x00, // MDT_MODULE
	0x0a, 'v', 'n', 'e', 't', '_', 'o', 'w', 'n', 'e', 'r',
	0x0d, 'v', 'n', 'e', 't', '_', 'o', 'w', 'n', 'e', 'r', '.', 'k', 'o',
	0x00, 0x00, 0x00, // padding to 32
	0x24, 0x00, 0x00, 0x00, // length 36
	0x03, 0x00, 0x00, 0x00, // MDT_VERSION
	0x0a, 'v', 'n', 'e', 't', '_', 'o', 'w', 'n', 'e', 'r',
	0x00,                   // alignment of the int
	0x01, 0x00, 0x00, 0x00, // version 1
	0x0d, 'v', 'n', 'e', 't', '_', 'o', 'w', 'n', 'e', 'r', '.', 'k', 'o',
	0x00, 0x00, // padding to 36
}

var oracleRecords = []Record{
	{Type: kobj.MDTModule, Offset: 4, Len: 32, Module: "vnet_owner", File: "vnet_owner.ko"},
	{Type: kobj.MDTVersion, Offset: 40, Len: 36, Module: "vnet_owner", Version: 1, File: "vnet_owner.ko"},
}

// bigEndian swaps the words of the oracle at the given offsets.
func swapWords(b []byte, offs ...int) []byte {
	out := append([]byte(nil), b...)
	for _, o := range offs {
		out[o], out[o+1], out[o+2], out[o+3] = out[o+3], out[o+2], out[o+1], out[o]
	}
	return out
}

// The words of oracleLE: version, length, type, length, type, version.
var oracleWords = []int{0, 4, 8, 40, 44, 60}

func TestEncodeMatchesKldxrefOracle(t *testing.T) {
	strip := func(rs []Record) []Record {
		out := append([]Record(nil), rs...)
		for i := range out {
			out[i].Offset, out[i].Len = 0, 0
		}
		return out
	}
	for _, c := range []struct {
		bo   binary.ByteOrder
		want []byte
	}{
		{binary.LittleEndian, oracleLE},
		{binary.BigEndian, swapWords(oracleLE, oracleWords...)},
	} {
		got, err := Encode(c.bo, strip(oracleRecords))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("%v: Encode:\n got % x\nwant % x", c.bo, got, c.want)
		}
		f, err := Parse("linker.hints", c.want)
		if err != nil {
			t.Fatal(err)
		}
		if f.Order != c.bo || !reflect.DeepEqual(f.Records, oracleRecords) {
			t.Errorf("%v: Parse: %v %+v", c.bo, f.Order, f.Records)
		}
	}
}

// A PNP record, by hand from record_pnp_info and parse_pnp_entry: type 4
// at 0, "\x03pci" at 4..7, the 13-byte format "I:vendor;D:#;" counted at
// 8..21, two zeros, the count 2 at 24..27; entry 0: 0x8086 at 28..31,
// "\x01a" at 32..33; entry 1: two zeros, 0x1234 at 36..39, an empty string
// (one zero byte) at 40; zeros to 44.
var pnpOracle = []byte{
	0x2c, 0x00, 0x00, 0x00, // length 44
	0x04, 0x00, 0x00, 0x00, // MDT_PNP_INFO
	0x03, 'p', 'c', 'i',
	0x0d, 'I', ':', 'v', 'e', 'n', 'd', 'o', 'r', ';', 'D', ':', '#', ';',
	0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, // 2 entries
	0x86, 0x80, 0x00, 0x00, 0x01, 'a',
	0x00, 0x00,
	0x34, 0x12, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00,
}

func TestPNPRecordMatchesOracle(t *testing.T) {
	rec := Record{Type: kobj.MDTPNPInfo, PNP: &PNP{Bus: "pci", Format: "I:vendor;D:#;", Count: 2,
		Entries: [][]Value{{{Int: 0x8086}, {Str: "a"}}, {{Int: 0x1234}, {}}}}}
	got, err := Encode(binary.LittleEndian, []Record{rec})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{1, 0, 0, 0}, pnpOracle...)
	if !bytes.Equal(got, want) {
		t.Fatalf("Encode:\n got % x\nwant % x", got, want)
	}
	// After an MDT_MODULE record, the PNP table belongs to its file.
	data := append(append([]byte(nil), oracleLE[:40]...), pnpOracle...)
	f, err := Parse("h", data)
	if err != nil {
		t.Fatal(err)
	}
	p := f.Records[1]
	rec.Offset, rec.Len, rec.File = 40, 44, "vnet_owner.ko"
	if !reflect.DeepEqual(p, rec) {
		t.Errorf("Parse: %+v %+v, want %+v", p, p.PNP, rec.PNP)
	}
}

func TestParseRejectsBadFiles(t *testing.T) {
	le := func(words ...uint32) []byte {
		var b []byte
		for _, w := range words {
			b = binary.LittleEndian.AppendUint32(b, w)
		}
		return b
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated: 0 bytes, no version word"},
		{"version", le(2), "version word 0x00000002 is not 1 in either byte order"},
		{"stray", append(le(1), 0, 0), "2 stray bytes at 0x4"},
		{"short", le(1, 0), "record at 0x4: length 0 leaves no room for its type"},
		{"negative", le(1, 0xfffffff0), "record at 0x4: length -16 leaves no room"},
		{"past end", le(1, 16, 2), "record at 0x4: length 16 runs past the end of the file (4 bytes left)"},
		{"unpadded", append(le(1, 5, 2), 0), "record at 0x4: length 5 is not a multiple of 4"},
		{"string", append(le(1, 8, 2), 9, 'a', 0, 0), "record at 0x4 (MDT_MODULE): truncated: the module name at +0x4 counts 9 bytes, 3 are left"},
		{"no int", append(le(1, 8, 3), 1, 'a', 0, 0), "record at 0x4 (MDT_VERSION): truncated: no room for the version at +0x8"},
		{"extra", append(append(le(1, 12, 2), 0, 0, 0, 0), le(7)...), "record at 0x4 (MDT_MODULE): 6 bytes after the record's fields at +0x6"},
		{"pnp format", append(le(1, 12, 4), 0, 3, 'X', ':', 'a', 0, 0, 0), `record at 0x4 (MDT_PNP_INFO): PNP format field "X:a"`},
		{"pnp count", append(le(1, 16, 4), 0, 4, 'I', ':', 'a', ';', 0, 0, 9, 0, 0, 0), "record at 0x4 (MDT_PNP_INFO): truncated: no room for the field a of entry 0 of 9 at +0x10"},
	} {
		_, err := Parse("dir/linker.hints", c.data)
		if err == nil || !strings.HasPrefix(err.Error(), "dir/linker.hints: ") || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want dir/linker.hints: ...%s", c.name, err, c.want)
		}
	}
	// Records of other types are kept, as the kernel skips them.
	f, err := Parse("h", le(1, 8, 9, 0xdead))
	if err != nil || len(f.Records) != 1 || f.Records[0].Type != 9 || f.Records[0].Len != 8 {
		t.Errorf("unknown type: %v %+v", err, f)
	}
	if _, err := Parse("h", make([]byte, MaxSize+1)); err == nil || !strings.Contains(err.Error(), "LINKER_HINTS_MAX") {
		t.Errorf("too large: %v", err)
	}
}

func TestEncodeRefusesWhatKldxrefRefuses(t *testing.T) {
	long := strings.Repeat("x", 256)
	for _, c := range []struct {
		rec  Record
		want string
	}{
		{Record{Type: kobj.MDTModule, Module: long, File: "a.ko"}, "longer than the 255 a length byte counts"},
		{Record{Type: kobj.MDTDepend, Module: "a"}, "kldxref writes no record of this type"},
		{Record{Type: kobj.MDTPNPInfo, PNP: &PNP{Bus: "pci", Format: "I:a;", Count: 20000, Entries: make([][]Value, 20000)}}, "entry 0 has 0 values"},
	} {
		if _, err := Encode(binary.LittleEndian, []Record{c.rec}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", kobj.MDTName(c.rec.Type), err, c.want)
		}
	}
	entries := make([][]Value, 20000)
	for i := range entries {
		entries[i] = []Value{{Int: int32(i)}}
	}
	big := Record{Type: kobj.MDTPNPInfo, PNP: &PNP{Bus: "pci", Format: "I:a;", Count: len(entries), Entries: entries}}
	if _, err := Encode(binary.LittleEndian, []Record{big}); err == nil || !strings.Contains(err.Error(), "record buffer") {
		t.Errorf("80000-byte record: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(oracleLE)
	f.Add(append(append([]byte(nil), oracleLE[:40]...), pnpOracle...))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Parse("h", data)
		if err != nil {
			return
		}
		// What parses re-encodes to the same bytes, unless it holds a
		// type kldxref does not write.
		for _, r := range h.Records {
			if r.Type != kobj.MDTModule && r.Type != kobj.MDTVersion && r.Type != kobj.MDTPNPInfo {
				return
			}
		}
		out, err := Encode(h.Order, h.Records)
		if err != nil {
			return // a count the entries cannot be re-encoded from
		}
		if !bytes.Equal(out, data) {
			t.Errorf("re-encoded differently:\n% x\n% x", out, data)
		}
	})
}
