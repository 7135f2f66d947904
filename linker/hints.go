package linker

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kldcheck/kldcheck/hints"
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
// kldxref(8) would write them to linker.hints, and reports whether there
// were any.
func (h Hints) IndexModules(f *kobj.File) bool {
	added := false
	for _, m := range f.Metadata {
		if m.Type == kobj.MDTVersion {
			h.Add(m.Name, m.ModVersion, f.Path)
			added = true
		}
	}
	return added
}

// ReadHints reads the MDT_VERSION records of dir/linker.hints into h, as
// linker_hints_lookup consults them; a missing file is not an error. The
// kernel reads the file's words in its own byte order, bo (nil: whichever the
// file is written in): a file written in the other (or damaged, see
// hints.Parse) is an error.
func (h Hints) ReadHints(dir string, bo binary.ByteOrder) error {
	path := filepath.Join(dir, "linker.hints")
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil
	}
	f, err := hints.Read(path)
	if err != nil {
		return err
	}
	if bo != nil && f.Order != bo {
		return &kobj.Error{Path: path, Msg: fmt.Sprintf("hints file version mismatch: written %s, the kernel reads %s", orderName(f.Order), orderName(bo))}
	}
	for _, r := range f.Records {
		if r.Type == kobj.MDTVersion {
			h.Add(r.Module, r.Version, filepath.Join(dir, r.File))
		}
	}
	return nil
}

func orderName(bo binary.ByteOrder) string {
	if bo == binary.BigEndian {
		return "big-endian"
	}
	return "little-endian"
}

// IndexDirWith returns an Options.IndexDir that indexes, into h, the
// modules of a directory without linker.hints as kldxref(8) would (every
// NAME.ko, read with open), for a build tree not yet installed. Files that
// cannot be read are left out, as kldxref skips them.
func IndexDirWith(h Hints, open func(string) (*kobj.File, error)) func(dir string) bool {
	return func(dir string) bool {
		if HasHintsFile(dir) {
			return false // the kernel uses the file, not the directory
		}
		paths, _ := filepath.Glob(filepath.Join(dir, "*.ko"))
		added := false
		for _, p := range paths {
			if strings.Count(filepath.Base(p), ".") != 1 {
				continue
			}
			if f, err := open(p); err == nil && f.Kind == kobj.Module && h.IndexModules(f) {
				added = true
			}
		}
		return added
	}
}

// HasHintsFile reports whether dir holds a linker.hints file. The kernel
// then finds the modules of dir through it alone, and the NAME.ko fallback
// when it names none (linker_hints_lookup, kern_linker.c, FreeBSD 15);
// kldcheck indexes a directory's files as kldxref would only when it has
// none, as a build tree not yet installed.
func HasHintsFile(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "linker.hints"))
	return err == nil
}

// UseModulePathHints gives o the linker.hints of each module-path
// directory, read in the kernel's byte order (either without a kernel), and
// indexes a directory without one, when a module is found nowhere, as
// kldxref would (IndexDirWith, with o.Open when set). A hints file that
// cannot be used is passed to unusable (may be nil) and left out, as the
// kernel ignores it.
func (o *Options) UseModulePathHints(unusable func(error)) {
	o.Hints = Hints{}
	open := o.Open
	if open == nil {
		open = kobj.Open
	}
	o.IndexDir = IndexDirWith(o.Hints, open)
	var bo binary.ByteOrder
	if o.Kernel != nil {
		bo = o.Kernel.Arch.ByteOrder()
	}
	for _, d := range o.ModulePath {
		if err := o.Hints.ReadHints(d, bo); err != nil && unusable != nil {
			unusable(err)
		}
	}
}
