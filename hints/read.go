package hints

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kldcheck/kldcheck/internal/regfile"
	"github.com/kldcheck/kldcheck/kobj"
)

// Read reads and decodes the linker.hints file at path, reading at most
// MaxSize bytes. Errors are *kobj.Error values naming path.
func Read(path string) (*File, error) {
	bad := func(format string, args ...any) error {
		return &kobj.Error{Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	fh, st, err := regfile.Open(path)
	if err != nil {
		return nil, bad("%s", syscallText(err))
	}
	defer fh.Close()
	if st.Size() > MaxSize {
		return nil, bad("%d bytes, more than the %d the kernel reads (LINKER_HINTS_MAX): it ignores the file", st.Size(), MaxSize)
	}
	data, err := io.ReadAll(io.LimitReader(fh, MaxSize+1))
	if err != nil {
		return nil, bad("%s", syscallText(err))
	}
	if len(data) > MaxSize {
		return nil, bad("more than %d bytes, the most the kernel reads (LINKER_HINTS_MAX): it ignores the file", MaxSize)
	}
	return Parse(path, data)
}

// syscallText is an *os.PathError's reason without the operation and path.
func syscallText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse decodes the bytes of a linker.hints file. The byte order is the one
// in which the version word reads 1. A record kldxref would not write
// (truncated, unpadded, with bytes after its fields) is an error naming its
// offset; a record of a type kldxref does not write is kept with its type
// and length only, as the kernel skips it.
func Parse(path string, data []byte) (*File, error) {
	bad := func(format string, args ...any) error {
		return &kobj.Error{Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxSize {
		return nil, bad("more than %d bytes, the most the kernel reads (LINKER_HINTS_MAX): it ignores the file", MaxSize)
	}
	if len(data) < 4 {
		return nil, bad("truncated: %d bytes, no version word", len(data))
	}
	f := &File{Path: path}
	switch {
	case binary.LittleEndian.Uint32(data) == Version:
		f.Order = binary.LittleEndian
	case binary.BigEndian.Uint32(data) == Version:
		f.Order = binary.BigEndian
	default:
		return nil, bad("version word %#08x is not %d in either byte order: not a linker.hints file", binary.LittleEndian.Uint32(data), Version)
	}
	lastFile := ""
	for off := 4; off < len(data); {
		if len(data)-off < 4 {
			return nil, bad("%d stray bytes at %#x after the last record", len(data)-off, off)
		}
		n := int64(int32(f.Order.Uint32(data[off:])))
		left := int64(len(data) - off - 4)
		switch {
		case n < 4:
			return nil, bad("record at %#x: length %d leaves no room for its type", off, n)
		case n > left:
			return nil, bad("record at %#x: length %d runs past the end of the file (%d bytes left)", off, n, left)
		case n%4 != 0:
			return nil, bad("record at %#x: length %d is not a multiple of 4 (kldxref pads every record)", off, n)
		}
		r, err := decode(data[off+4:off+4+int(n)], f.Order)
		if err != nil {
			return nil, bad("record at %#x (%s): %v", off, kobj.MDTName(r.Type), err)
		}
		r.Offset, r.Len = off, int(n)
		switch r.Type {
		case kobj.MDTModule:
			lastFile = r.File
		case kobj.MDTPNPInfo:
			r.File = lastFile
		}
		f.Records = append(f.Records, r)
		off += 4 + int(n)
	}
	return f, nil
}

// cursor walks the fields of one record; positions count from the record's
// start, where kldxref's alignment counts from.
type cursor struct {
	b   []byte
	pos int
	bo  binary.ByteOrder
}

func (c *cursor) int(what string) (int32, error) {
	p := align4(c.pos)
	if p+4 > len(c.b) {
		return 0, fmt.Errorf("truncated: no room for the %s at +%#x", what, p)
	}
	for _, x := range c.b[c.pos:p] {
		if x != 0 {
			return 0, fmt.Errorf("non-zero alignment bytes before the %s at +%#x", what, p)
		}
	}
	c.pos = p + 4
	return int32(c.bo.Uint32(c.b[p:])), nil
}

func (c *cursor) str(what string) (string, error) {
	if c.pos >= len(c.b) {
		return "", fmt.Errorf("truncated: no room for the %s at +%#x", what, c.pos)
	}
	n := int(c.b[c.pos])
	if n > len(c.b)-c.pos-1 {
		return "", fmt.Errorf("truncated: the %s at +%#x counts %d bytes, %d are left", what, c.pos, n, len(c.b)-c.pos-1)
	}
	s := string(c.b[c.pos+1 : c.pos+1+n])
	c.pos += 1 + n
	return s, nil
}

// end checks that only padding follows the fields.
func (c *cursor) end() error {
	rest := c.b[c.pos:]
	if len(rest) >= 4 || bytes.IndexFunc(rest, func(r rune) bool { return r != 0 }) >= 0 {
		return fmt.Errorf("%d bytes after the record's fields at +%#x, more than zero padding", len(rest), c.pos)
	}
	return nil
}

// decode reads one record's bytes (after its length word).
func decode(b []byte, bo binary.ByteOrder) (Record, error) {
	c := &cursor{b: b, bo: bo}
	t, _ := c.int("type") // the caller ensured 4 bytes
	r := Record{Type: int(t)}
	var err error
	switch r.Type {
	case kobj.MDTModule:
		if r.Module, err = c.str("module name"); err == nil {
			r.File, err = c.str("file name")
		}
	case kobj.MDTVersion:
		var v int32
		if r.Module, err = c.str("module name"); err == nil {
			if v, err = c.int("version"); err == nil {
				r.Version = int(v)
				r.File, err = c.str("file name")
			}
		}
	case kobj.MDTPNPInfo:
		r.PNP, err = decodePNP(c)
	default:
		return r, nil // skipped by the kernel and devmatch alike
	}
	if err == nil {
		err = c.end()
	}
	return r, err
}

func decodePNP(c *cursor) (*PNP, error) {
	p := &PNP{}
	var err error
	if p.Bus, err = c.str("bus name"); err != nil {
		return nil, err
	}
	if p.Format, err = c.str("format"); err != nil {
		return nil, err
	}
	fields, err := valueFields(p.Format)
	if err != nil {
		return nil, err
	}
	n, err := c.int("entry count")
	if err != nil {
		return nil, err
	}
	p.Count = int(n)
	if len(fields) == 0 {
		return p, nil
	}
	// Every value takes at least a byte, so the record's length bounds
	// what a bad count can make this allocate.
	for i := 0; i < p.Count; i++ {
		e := make([]Value, len(fields))
		for j, f := range fields {
			what := fmt.Sprintf("field %s of entry %d of %d", f.Name, i, p.Count)
			if f.IsString() {
				e[j].Str, err = c.str(what)
			} else {
				e[j].Int, err = c.int(what)
			}
			if err != nil {
				return nil, err
			}
		}
		p.Entries = append(p.Entries, e)
	}
	return p, nil
}
