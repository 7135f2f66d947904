package scan

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kldcheck/kldcheck/kobj"
)

// listModules lists the .ko files of each directory in the order given,
// sorted by name within each (a file given is taken as is), leaving out
// names with two dots as kldxref does (foo.ko.debug, foo.ko.pkgsave). With
// recursive, subdirectories are walked too. It also returns the module
// path the files imply: each directory holding modules, once, in order. No
// module at all is an error.
func listModules(dirs []string, recursive bool) (paths, modulePath []string, err error) {
	seenDir := map[string]bool{}
	seenFile := map[string]bool{}
	addDir := func(d string) {
		if d = filepath.Clean(d); !seenDir[d] {
			seenDir[d] = true
			modulePath = append(modulePath, d)
		}
	}
	add := func(p string) {
		if p = filepath.Clean(p); !seenFile[p] {
			seenFile[p] = true
			paths = append(paths, p)
		}
	}
	// readDir adds a directory's modules, and the directory to the module
	// path when it holds some (or, named by the user, always).
	readDir := func(d string, named bool) error {
		names, err := moduleNames(d)
		if err != nil {
			return err
		}
		if named || len(names) > 0 {
			addDir(d)
		}
		for _, n := range names {
			add(filepath.Join(d, n))
		}
		return nil
	}
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil {
			return nil, nil, &kobj.Error{Path: d, Msg: unwrap(err)}
		}
		if !st.IsDir() {
			add(d)
			addDir(filepath.Dir(d))
			continue
		}
		if !recursive {
			if err := readDir(d, true); err != nil {
				return nil, nil, err
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
			return nil, nil, err
		}
	}
	if len(paths) == 0 {
		msg := "no kernel module (*.ko) found"
		if !recursive && nestedModules(dirs) {
			msg += " (there are some in subdirectories: scan -r searches them)"
		}
		return nil, nil, &kobj.Error{Path: strings.Join(dirs, ";"), Msg: msg}
	}
	return paths, modulePath, nil
}

// moduleNames lists the module files of one directory, sorted.
func moduleNames(d string) ([]string, error) {
	ents, err := os.ReadDir(d)
	if err != nil {
		return nil, &kobj.Error{Path: d, Msg: unwrap(err)}
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); isModuleName(n) && e.Type().IsRegular() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
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
