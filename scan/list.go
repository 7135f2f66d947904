package scan

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kldcheck/kldcheck/internal/regfile"
	"github.com/kldcheck/kldcheck/kobj"
)

// listing is what listModules found: the files to check, the module path
// they imply, the *.ko entries that are not regular files, and the
// symbolic links to files already checked under another name.
type listing struct {
	paths, modulePath []string
	// bad maps a *.ko entry that is not a regular file (a FIFO, a socket,
	// a device, a dangling link, a link to any of those) to why.
	bad map[string]string
	// sameAs maps a symbolic link to the path of the file it reaches,
	// when that file is checked under its own (or an earlier) name.
	sameAs map[string]string
}

// listModules lists the .ko files of each directory in the order given,
// sorted by name within each (a file given is taken as is), leaving out
// names with two dots as kldxref does (foo.ko.debug, foo.ko.pkgsave). With
// recursive, subdirectories are walked too. The module path is each
// directory holding modules, once, in order. No module at all is an error,
// and so is a file given that is not a regular file.
//
// Symbolic links to regular files are followed, as a package manager may
// install a module as one: a file reached by a link and by its own name
// (or by two links) is checked once, under its own name or else the
// first. kldxref itself skips links (usr.sbin/kldxref/kldxref.c, 15:
// FTS_PHYSICAL, only FTS_F entries are read); kldload follows them.
func listModules(dirs []string, recursive bool) (*listing, error) {
	ls := &listing{bad: map[string]string{}, sameAs: map[string]string{}}
	seenDir := map[string]bool{}
	seenFile := map[string]bool{}
	var found []foundFile
	addDir := func(d string) {
		if d = filepath.Clean(d); !seenDir[d] {
			seenDir[d] = true
			ls.modulePath = append(ls.modulePath, d)
		}
	}
	add := func(p string, link bool, st fs.FileInfo) {
		if p = filepath.Clean(p); !seenFile[p] {
			seenFile[p] = true
			found = append(found, foundFile{path: p, link: link, st: st})
		}
	}
	// readDir adds a directory's modules, and the directory to the module
	// path when it holds some (or, named by the user, always).
	readDir := func(d string, named bool) error {
		ents, err := moduleEntries(d)
		if err != nil {
			return err
		}
		if named || len(ents) > 0 {
			addDir(d)
		}
		for _, e := range ents {
			if e.why != "" {
				ls.bad[e.path] = e.why
				found = append(found, foundFile{path: e.path})
				continue
			}
			add(e.path, e.link, e.st)
		}
		return nil
	}
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil {
			return nil, &kobj.Error{Path: d, Msg: unwrap(err)}
		}
		if !st.IsDir() {
			if !st.Mode().IsRegular() {
				return nil, &kobj.Error{Path: d, Msg: "is " + regfile.Describe(st.Mode()) + ", not a regular file or a directory"}
			}
			add(d, false, st)
			addDir(filepath.Dir(d))
			continue
		}
		if !recursive {
			if err := readDir(d, true); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return &kobj.Error{Path: p, Msg: unwrap(err)}
			}
			if !e.IsDir() {
				return nil
			}
			return readDir(p, false)
		})
		if err != nil {
			return nil, err
		}
	}
	ls.paths = ls.sameFiles(found)
	if len(ls.paths) == 0 {
		msg := "no kernel module (*.ko) found"
		if !recursive && nestedModules(dirs) {
			msg += " (there are some in subdirectories: scan -r searches them)"
		}
		return nil, &kobj.Error{Path: strings.Join(dirs, ";"), Msg: msg}
	}
	return ls, nil
}

// foundFile is a *.ko name listed: a regular file, or a link to one (st
// is the file's), or a bad entry (st nil; why says what it is).
type foundFile struct {
	path string
	link bool
	st   fs.FileInfo
	why  string
}

// sameFiles returns the paths to check in listing order: every bad entry
// and regular file, and each link unless the file it reaches is listed
// under another name, recorded then in sameAs.
func (ls *listing) sameFiles(found []foundFile) []string {
	// Files by size, to compare identities only among candidates.
	bySize := map[int64][]int{}
	for i, f := range found {
		if f.st != nil {
			bySize[f.st.Size()] = append(bySize[f.st.Size()], i)
		}
	}
	var paths []string
	for _, f := range found {
		if f.link {
			if keep := ls.chosen(f, found, bySize[f.st.Size()]); keep != f.path {
				ls.sameAs[f.path] = keep
				continue
			}
		}
		paths = append(paths, f.path)
	}
	return paths
}

// chosen is the name under which the file a link reaches is checked: the
// first name that is not a link, else the first link.
func (ls *listing) chosen(f foundFile, found []foundFile, cands []int) string {
	first := ""
	for _, i := range cands {
		g := found[i]
		if !os.SameFile(f.st, g.st) {
			continue
		}
		if !g.link {
			return g.path
		}
		if first == "" {
			first = g.path
		}
	}
	return first
}

// moduleEntries lists the *.ko names of one directory, sorted, with what
// each is.
func moduleEntries(d string) ([]foundFile, error) {
	ents, err := os.ReadDir(d)
	if err != nil {
		return nil, &kobj.Error{Path: d, Msg: unwrap(err)}
	}
	var out []foundFile
	for _, e := range ents {
		if !isModuleName(e.Name()) {
			continue
		}
		p := filepath.Clean(filepath.Join(d, e.Name()))
		switch t := e.Type(); {
		case t.IsRegular():
			st, err := e.Info()
			if err != nil {
				out = append(out, foundFile{path: p, why: unwrap(err)})
				continue
			}
			out = append(out, foundFile{path: p, st: st})
		case t&fs.ModeSymlink != 0:
			out = append(out, linkEntry(p))
		case t.IsDir():
			// A directory named *.ko is walked with -r, not a module.
		default:
			out = append(out, foundFile{path: p, why: "is " + regfile.Describe(t) + ", not a regular file"})
		}
	}
	return out, nil
}

// linkEntry follows the symbolic link p.
func linkEntry(p string) foundFile {
	target, _ := os.Readlink(p)
	st, err := os.Stat(p)
	switch {
	case err != nil && errors.Is(err, fs.ErrNotExist):
		return foundFile{path: p, why: "dangling symbolic link to " + target}
	case err != nil:
		return foundFile{path: p, why: "symbolic link to " + target + ": " + unwrap(err)}
	case st.IsDir():
		return foundFile{path: p, why: "symbolic link to the directory " + target + ", not a module"}
	case !st.Mode().IsRegular():
		return foundFile{path: p, why: "symbolic link to " + target + ", " + regfile.Describe(st.Mode()) + ", not a regular file"}
	}
	return foundFile{path: p, link: true, st: st}
}

// nestedModules reports whether a module lies anywhere below the
// directories, stopping at the first.
func nestedModules(dirs []string) bool {
	found := false
	for _, d := range dirs {
		_ = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && isModuleName(e.Name()) {
				found = true
				return fs.SkipAll
			}
			return nil
		})
		if found {
			return true
		}
	}
	return false
}

func isModuleName(n string) bool { return strings.HasSuffix(n, ".ko") && strings.Count(n, ".") == 1 }
