package linker

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kldcheck/kldcheck/kobj"
)

// Hints maps a module name to the files providing it, as linker.hints does.
type Hints map[string][]Hint

// Hint is one MDT_VERSION record: a module version and the file holding it.
type Hint struct {
	Version int
	Path    string
}

// lookupIn picks a file of directory dir as linker_hints_lookup does with
// that directory's linker.hints: the preferred version at once, else the
// highest version within [min, max] (sys/kern/kern_linker.c, FreeBSD 15).
// A negative pref asks for no version (kldload of a module name): the
// first record of the name.
func (h Hints) lookupIn(dir, name string, min, pref, max int) (string, bool) {
	best := -1
	path := ""
	dir = filepath.Clean(dir)
	for _, e := range h[name] {
		if filepath.Dir(e.Path) != dir {
			continue
		}
		if e.Version == pref || pref < 0 {
			return e.Path, true // pref < 0: no version asked for, the first record
		}
		if e.Version >= min && e.Version <= max && e.Version > best {
			best, path = e.Version, e.Path
		}
	}
	return path, best >= 0
}

// Add records that path provides module name at version.
func (h Hints) Add(name string, version int, path string) {
	h[name] = append(h[name], Hint{version, filepath.Clean(path)})
}

// IndexModules adds the MODULE_VERSION records of a parsed module file, as
// kldxref(8) would write them to linker.hints.
func (h Hints) IndexModules(f *kobj.File) {
	for _, m := range f.Metadata {
		if m.Type == kobj.MDTVersion {
			h.Add(m.Name, m.ModVersion, f.Path)
		}
	}
}

// linker.hints format (usr.sbin/kldxref/kldxref.c, sys/kern/kern_linker.c
// linker_hints_lookup): an int version (1), then records of an int length and
// that many bytes: an int type; for MDT_VERSION a counted string (one length
// byte) with the module name, padding to 4 bytes, an int version and a counted
// string with the file name relative to the directory.
const (
	hintsVersion = 1
	maxHintsSize = 16 << 20
)

// ReadHints reads dir/linker.hints into h; a missing file is not an error.
// The integers are in the byte order given; nil takes the one in which the
// file's leading version word reads 1.
func (h Hints) ReadHints(dir string, bo binary.ByteOrder) error {
	path := filepath.Join(dir, "linker.hints")
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	bad := func(msg string) error { return &kobj.Error{Path: path, Msg: msg} }
	if len(data) > maxHintsSize {
		return bad(fmt.Sprintf("hints file too large %d", len(data)))
	}
	if bo == nil {
		bo = binary.LittleEndian
		if len(data) >= 4 && binary.BigEndian.Uint32(data) == hintsVersion {
			bo = binary.BigEndian
		}
	}
	if len(data) < 4 || bo.Uint32(data) != hintsVersion {
		return bad("hints file version mismatch")
	}
	for off := 4; off+4 <= len(data); {
		n := int(bo.Uint32(data[off:]))
		off += 4
		if n < 4 || n > len(data)-off {
			return bad(fmt.Sprintf("record at %#x runs past the end", off-4))
		}
		rec := data[off : off+n]
		off += n
		if bo.Uint32(rec) != 3 { // MDT_VERSION; others are not consulted
			continue
		}
		name, rest, ok := countedString(rec[4:])
		if !ok {
			return bad("truncated MDT_VERSION record")
		}
		pad := (4 - (len(rec)-len(rest))%4) % 4
		if len(rest) < pad+4 {
			return bad("truncated MDT_VERSION record")
		}
		ver := int(int32(bo.Uint32(rest[pad:])))
		file, _, ok := countedString(rest[pad+4:])
		if !ok {
			return bad("truncated MDT_VERSION record")
		}
		h.Add(name, ver, filepath.Join(dir, file))
	}
	return nil
}

func countedString(b []byte) (string, []byte, bool) {
	if len(b) < 1 || int(b[0]) > len(b)-1 {
		return "", nil, false
	}
	n := int(b[0])
	return string(b[1 : 1+n]), b[1+n:], true
}
