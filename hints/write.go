package hints

import (
	"encoding/binary"
	"fmt"

	"github.com/kldcheck/kldcheck/kobj"
)

// Encode returns the bytes of a linker.hints file holding recs, in byte
// order bo, laid out as kldxref writes them (see the package comment).
// Records of types kldxref does not write, strings longer than a length byte
// counts and records longer than MaxRecord are errors, as they stop
// kldxref. The File of a PNP record is not stored.
func Encode(bo binary.ByteOrder, recs []Record) ([]byte, error) {
	out := appendWord(bo, nil, Version)
	for i := range recs {
		b, err := encodeRecord(bo, &recs[i])
		if err != nil {
			return nil, fmt.Errorf("record %d (%s): %v", i, kobj.MDTName(recs[i].Type), err)
		}
		out = appendWord(bo, out, uint32(len(b)))
		out = append(out, b...)
	}
	return out, nil
}

func appendWord(bo binary.ByteOrder, b []byte, v uint32) []byte {
	var w [4]byte
	bo.PutUint32(w[:], v)
	return append(b, w[:]...)
}

// recordBuf builds one record as kldxref's record_* functions do.
type recordBuf struct {
	b   []byte
	bo  binary.ByteOrder
	err error
}

func (r *recordBuf) pad() {
	for len(r.b)%4 != 0 {
		r.b = append(r.b, 0)
	}
}

func (r *recordBuf) int(v int32) {
	r.pad()
	r.b = appendWord(r.bo, r.b, uint32(v))
	r.check()
}

func (r *recordBuf) str(s string) {
	if len(s) > maxString && r.err == nil {
		r.err = fmt.Errorf("string %q is %d bytes, longer than the %d a length byte counts", s, len(s), maxString)
	}
	r.b = append(append(r.b, byte(len(s))), s...)
	r.check()
}

func (r *recordBuf) check() {
	if len(r.b) > MaxRecord && r.err == nil {
		r.err = fmt.Errorf("longer than kldxref's %d-byte record buffer", MaxRecord)
	}
}

func encodeRecord(bo binary.ByteOrder, rec *Record) ([]byte, error) {
	r := &recordBuf{bo: bo}
	r.int(int32(rec.Type))
	switch rec.Type {
	case kobj.MDTModule:
		r.str(rec.Module)
		r.str(rec.File)
	case kobj.MDTVersion:
		r.str(rec.Module)
		r.int(int32(rec.Version))
		r.str(rec.File)
	case kobj.MDTPNPInfo:
		if rec.PNP == nil {
			return nil, fmt.Errorf("no PNP table")
		}
		if err := r.pnp(rec.PNP); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("kldxref writes no record of this type")
	}
	r.pad()
	return r.b, r.err
}

func (r *recordBuf) pnp(p *PNP) error {
	fields, err := valueFields(p.Format)
	if err != nil {
		return err
	}
	if len(fields) > 0 && len(p.Entries) != max(p.Count, 0) {
		return fmt.Errorf("count %d, but %d entries", p.Count, len(p.Entries))
	}
	r.str(p.Bus)
	r.str(p.Format)
	r.int(int32(p.Count))
	for i, e := range p.Entries {
		if len(e) != len(fields) {
			return fmt.Errorf("entry %d has %d values, the format %d", i, len(e), len(fields))
		}
		for j, f := range fields {
			if f.IsString() {
				r.str(e[j].Str)
			} else {
				r.int(e[j].Int)
			}
		}
		if r.err != nil {
			return r.err
		}
	}
	return nil
}
