package hints

import (
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Descriptions as sys/sys/module.h documents them, converted by the rules
// of kldxref.c's parse_pnp_list (worked out by hand): offsets round up to
// the field's size (strings: the pointer size), P skips a pointer
// unrounded, T takes no room; W32 becomes two I fields.
func TestParseDescr(t *testing.T) {
	type elt struct {
		kind   string
		offset uint64
	}
	for _, c := range []struct {
		descr  string
		ptr    uint64
		format string
		elts   []elt
	}{
		{"U16:vendor;U16:device;D:#", 8, "I:vendor;I:device;D:#;", []elt{{"U16", 0}, {"U16", 2}, {"D", 8}}},
		{"U16:vendor;U16:device;D:#", 4, "I:vendor;I:device;D:#;", []elt{{"U16", 0}, {"U16", 2}, {"D", 4}}},
		{"W32:vendor/device; V16:subvendor;U8:class;P:#;D:#;E:pnpid;T:bus=isa", 8,
			"I:vendor;I:device;J:subvendor;I:class;D:#;Z:pnpid;T:bus=isa;",
			[]elt{{"W32", 0}, {"V16", 4}, {"U8", 6}, {"D", 16}, {"E", 24}, {"T", 28}}},
		{"M16:mask;G16:lo;L16:hi;V32:any;V8:x;Z:name", 4, "M:mask;G:lo;L:hi;J:any;J:x;Z:name;",
			[]elt{{"M16", 0}, {"G16", 2}, {"L16", 4}, {"V32", 8}, {"V8", 12}, {"Z", 16}}},
	} {
		elts, format, err := parseDescr(c.descr, c.ptr)
		if err != nil {
			t.Errorf("%q: %v", c.descr, err)
			continue
		}
		var got []elt
		for _, e := range elts {
			got = append(got, elt{e.kind, e.offset})
		}
		if format != c.format || !reflect.DeepEqual(got, c.elts) {
			t.Errorf("%q (ptr %d): %q %v, want %q %v", c.descr, c.ptr, format, got, c.format, c.elts)
		}
	}
	for _, bad := range []string{"U16", "Q:x", "U16;x:y", "LONGTYPE9:x", "U8:" + strings.Repeat("n", 31) + ";", "W32:vendor"} {
		if _, _, err := parseDescr(bad, 8); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// fakeImage is a little-endian memory with pointers and strings.
type fakeImage struct {
	base uint64
	mem  []byte
	strs map[uint64]string
}

func (m *fakeImage) ReadUint(a uint64, n int) (uint64, error) {
	if a < m.base || a+uint64(n) > m.base+uint64(len(m.mem)) {
		return 0, errors.New("unmapped")
	}
	b := m.mem[a-m.base:]
	switch n {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.LittleEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(b)), nil
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (m *fakeImage) ReadPointer(a uint64) (uint64, error) { return m.ReadUint(a, 8) }

func (m *fakeImage) ReadString(a uint64, _ int) (string, error) {
	if s, ok := m.strs[a]; ok {
		return s, nil
	}
	return "", errors.New("no string")
}

func TestPNPTable(t *testing.T) {
	// struct { uint32_t id; uint16_t sub; uint8_t class; void *p; char *desc; uint32_t eisa; }
	// on LP64: id 0, sub 4, class 6, p 8, desc 16, eisa 24; 32 bytes.
	le := binary.LittleEndian
	entry := func(id uint32, sub uint16, class byte, desc uint64, eisa uint32) []byte {
		b := make([]byte, 32)
		le.PutUint32(b, id)
		le.PutUint16(b[4:], sub)
		b[6] = class
		le.PutUint64(b[16:], desc)
		le.PutUint32(b[24:], eisa)
		return b
	}
	img := &fakeImage{base: 0x1000, strs: map[uint64]string{0x9000: "Intel PRO/1000"}}
	img.mem = append(entry(0x100e8086, 0xffff, 3, 0x9000, 0x0105d041), entry(0x12341234, 7, 2, 0, 0)...)
	p, err := pnpTable(img, 8, "pci", "W32:vendor/device;V16:subvendor;U8:class;P:#;D:#;E:pnpid", 0x1000, 32, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := &PNP{Bus: "pci", Format: "I:vendor;I:device;J:subvendor;I:class;D:#;Z:pnpid;", Count: 2, Entries: [][]Value{
		{{Int: 0x8086}, {Int: 0x100e}, {Int: -1}, {Int: 3}, {Str: "Intel PRO/1000"}, {Str: "PNP0501"}},
		{{Int: 0x1234}, {Int: 0x1234}, {Int: 7}, {Int: 2}, {}, {Str: "@@@0000"}},
	}}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %+v\nwant %+v", p, want)
	}
	// The record round-trips through the file format.
	data, err := Encode(le, []Record{{Type: 4, PNP: p}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("h", data)
	if err != nil || !reflect.DeepEqual(f.Records[0].PNP, want) {
		t.Fatalf("round trip: %v %+v", err, f)
	}
	// A table beyond the image, and an entry count whose record would not
	// fit kldxref's buffer, are errors, not silent records.
	if _, err := pnpTable(img, 8, "pci", "U32:id", 0x1000, 32, 3); err == nil || !strings.Contains(err.Error(), "entry 2") {
		t.Errorf("table past the image: %v", err)
	}
	if _, err := pnpTable(img, 8, "pci", "U32:id", 0x1000, 0, 1<<30); err == nil || !strings.Contains(err.Error(), "record longer") {
		t.Errorf("huge count: %v", err)
	}
}

// sys/isa/pnp.c's compressed form: "PNP0501" is 0x41 0xd0 0x05 0x01.
func TestEISAID(t *testing.T) {
	if got := eisaID(0x0105d041); got != "PNP0501" {
		t.Errorf("eisaID = %q", got)
	}
}
