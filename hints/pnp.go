package hints

import (
	"fmt"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
)

// How kldxref turns a MODULE_PNP_INFO table into a record
// (usr.sbin/kldxref/kldxref.c, FreeBSD 15: parse_pnp_list, parse_pnp_entry,
// record_pnp_info). The description names each field of a table entry,
// "TYPE:name;" in entry order. kldxref walks it keeping an offset into the
// entry: an integer field (U8 V8 U16 V16 G16 L16 M16 U32 V32 W32) sits at
// the offset rounded up to its own size, E (an EISA id) at a multiple of 4
// in 4 bytes, D and Z (string pointers) at a multiple of the pointer size,
// T takes no room, and P skips a pointer without rounding. It writes a
// simpler description, one letter per value: I for plain integers, J for
// the V kinds (whose all-ones value, stored as -1, matches anything), G L M
// for the G16 L16 M16 ones, D and Z for strings (an EISA id becomes the Z
// string "PNP0501" form), T as it was; W32 holds two 16-bit values named
// "low/high" and becomes two I fields. Then every entry, each value as an
// int or a counted string.

// pnpElt is one field of a description, where entries hold it.
type pnpElt struct {
	kind   string
	name   string
	offset uint64
}

// pnpKind describes one description type: its size in the entry (0 for
// strings and T), the letter it becomes, and whether all-ones means any.
type pnpKind struct {
	size    uint64
	letter  byte
	flagged bool
}

var pnpKinds = map[string]pnpKind{
	"U8": {1, 'I', false}, "V8": {1, 'J', true},
	"U16": {2, 'I', false}, "V16": {2, 'J', true}, "G16": {2, 'G', false}, "L16": {2, 'L', false}, "M16": {2, 'M', false},
	"U32": {4, 'I', false}, "V32": {4, 'J', true}, "W32": {4, 'I', false},
	"E": {4, 'Z', false}, "D": {0, 'D', false}, "Z": {0, 'Z', false}, "T": {0, 'T', false},
}

// kldxref's limits on a description's type and name (its buffers).
const (
	maxPNPType = 8
	maxPNPName = 32
	maxPNPStr  = 1024 // a string of the table, with its NUL
)

func roundUp(x, n uint64) uint64 { return (x + n - 1) / n * n }

// parseDescr reads a MODULE_PNP_INFO description as kldxref does, for
// entries with pointers of ptr bytes: the fields and the format written.
func parseDescr(descr string, ptr uint64) ([]pnpElt, string, error) {
	var elts []pnpElt
	var out strings.Builder
	off := uint64(0)
	bad := func(why string) ([]pnpElt, string, error) {
		return nil, "", fmt.Errorf("PNP description %q: %s", descr, why)
	}
	for rest := descr; rest != ""; {
		colon, semi := strings.IndexByte(rest, ':'), strings.IndexByte(rest, ';')
		if colon < 0 || semi >= 0 && semi < colon {
			return bad("a field is not TYPE:name")
		}
		typ := rest[:colon]
		if len(typ) > maxPNPType {
			return bad("type " + typ + " too long")
		}
		var name string
		if semi >= 0 {
			if name = rest[colon+1 : semi]; len(name) >= maxPNPName-1 {
				return bad("name " + name + " too long")
			}
			rest = strings.TrimLeft(rest[semi+1:], " \t\n\v\f\r")
		} else {
			if name = rest[colon+1:]; len(name) >= maxPNPName {
				return bad("name " + name + " too long")
			}
			rest = ""
		}
		if typ == "P" { // a pointer the description does not export
			off += ptr
			continue
		}
		k, ok := pnpKinds[typ]
		if !ok {
			return bad("unknown type " + typ)
		}
		e := pnpElt{kind: typ, name: name, offset: off}
		switch {
		case k.size > 0:
			e.offset = roundUp(off, k.size)
			off = e.offset + k.size
		case typ == "D" || typ == "Z":
			e.offset = roundUp(off, ptr)
			off = e.offset + ptr
		}
		elts = append(elts, e)
		if typ == "W32" {
			words := strings.FieldsFunc(name, func(r rune) bool { return r == '/' })
			if len(words) != 2 {
				// kldxref writes one I per name but always two values,
				// a record no reader parses back.
				return bad("W32 field " + name + " does not name its two halves low/high")
			}
			for _, w := range words {
				fmt.Fprintf(&out, "I:%s;", w)
			}
			continue
		}
		fmt.Fprintf(&out, "%c:%s;", k.letter, name)
	}
	return elts, out.String(), nil
}

// image is what reading a table needs of a file (*kobj.File).
type image interface {
	ReadUint(a uint64, n int) (uint64, error)
	ReadPointer(a uint64) (uint64, error)
	ReadString(a uint64, max int) (string, error)
}

// readPNP reads the table of an MDT_PNP_INFO entry of f (struct
// mod_pnp_match_info: descr, bus and table pointers, then int entry_len
// and int num_entry). kldxref skips a record whose description it cannot
// read and writes one without entries when the table is unreadable; both
// are errors here.
func readPNP(f *kobj.File, m kobj.Metadata) (*PNP, error) {
	bad := func(err error) (*PNP, error) {
		return nil, &kobj.Error{Path: f.Path, Msg: fmt.Sprintf("MODULE_PNP_INFO %s at %#x: %v", m.Name, m.Addr, err)}
	}
	ptr := uint64(f.Arch.PtrSize)
	var vals [5]uint64
	data, err := f.ReadPointer(m.Addr + 8)
	for i := 0; err == nil && i < len(vals); i++ {
		if i < 3 {
			vals[i], err = f.ReadPointer(data + uint64(i)*ptr)
		} else {
			vals[i], err = f.ReadUint(data+3*ptr+uint64(i-3)*4, 4)
		}
	}
	if err != nil {
		return bad(err)
	}
	descr, err := f.ReadString(vals[0], maxPNPStr)
	if err != nil {
		return bad(err)
	}
	p, err := pnpTable(f, ptr, m.Name, descr, vals[2], vals[3], int32(vals[4]))
	if err != nil {
		return bad(err)
	}
	return p, nil
}

// pnpTable builds the record of a table of count entries of entryLen bytes
// at table.
func pnpTable(img image, ptr uint64, bus, descr string, table, entryLen uint64, count int32) (*PNP, error) {
	elts, format, err := parseDescr(descr, ptr)
	if err != nil {
		return nil, err
	}
	p := &PNP{Bus: bus, Format: format, Count: int(count)}
	fields, _ := valueFields(format)
	if len(fields) == 0 {
		return p, nil
	}
	size := align4(4+2+len(bus)+len(format)) + 4 // the record so far
	for i := int32(0); i < count; i++ {
		entry := table + uint64(i)*entryLen
		var e []Value
		for _, el := range elts {
			vs, err := pnpValues(img, el, entry)
			if err != nil {
				return nil, fmt.Errorf("entry %d, field %s: %v", i, el.name, err)
			}
			e = append(e, vs...)
		}
		for j, f := range fields {
			if f.IsString() {
				size += 1 + len(e[j].Str)
			} else {
				size = align4(size) + 4
			}
		}
		if size > MaxRecord {
			return nil, fmt.Errorf("%d entries make a record longer than kldxref's %d-byte buffer", count, MaxRecord)
		}
		p.Entries = append(p.Entries, e)
	}
	return p, nil
}

// pnpValues reads the value(s) of one field of the entry at entry.
func pnpValues(img image, el pnpElt, entry uint64) ([]Value, error) {
	k := pnpKinds[el.kind]
	a := entry + el.offset
	switch {
	case el.kind == "T":
		return nil, nil
	case el.kind == "W32":
		v, err := img.ReadUint(a, 4)
		return []Value{{Int: int32(v & 0xffff)}, {Int: int32(v >> 16)}}, err
	case el.kind == "E":
		v, err := img.ReadUint(a, 4)
		return []Value{{Str: eisaID(uint32(v))}}, err
	case k.size > 0:
		v, err := img.ReadUint(a, int(k.size))
		if k.flagged && v == 1<<(8*k.size)-1 {
			return []Value{{Int: -1}}, err
		}
		return []Value{{Int: int32(uint32(v))}}, err
	}
	s, err := img.ReadPointer(a)
	if err != nil || s == 0 {
		return []Value{{}}, err
	}
	str, err := img.ReadString(s, maxPNPStr)
	return []Value{{Str: str}}, err
}

// eisaID spells a compressed EISA id (three letters in 5 bits each, then
// four hex digits) as sys/isa/pnp.c's pnp_eisaformat does: from its bytes
// in little-endian order.
func eisaID(id uint32) string {
	b := [4]byte{byte(id), byte(id >> 8), byte(id >> 16), byte(id >> 24)}
	const hexDigits = "0123456789abcdef"
	return string([]byte{
		'@' + (b[0]&0x7c)>>2,
		'@' + (b[0]&0x03)<<3 + (b[1]&0xe0)>>5,
		'@' + b[1]&0x1f,
		hexDigits[b[2]>>4], hexDigits[b[2]&0xf], hexDigits[b[3]>>4], hexDigits[b[3]&0xf],
	})
}
