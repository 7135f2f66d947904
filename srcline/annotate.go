package srcline

import (
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
)

// Annotate fills SourceFile and SourceLine of the findings that locate a
// place in a file (HasAddr), reading each file's debug information once.
// Files without debug information are left as they are; a file whose debug
// information cannot be read is skipped too (the finding keeps its
// function+offset), and its error is returned, once per file, for the
// caller to tell. parsed, when not nil, returns a file already read (nil
// when it has none), so that a big module is not read twice.
func Annotate(fs []rules.Finding, debugDirs []string, parsed func(path string) *kobj.File) []error {
	var errs []error
	tables := map[string]*Table{}
	for i := range fs {
		fd := &fs[i]
		if !fd.HasAddr || fd.File == "" {
			continue
		}
		t, seen := tables[fd.File]
		if !seen {
			var mod *kobj.File
			if parsed != nil {
				mod = parsed(fd.File)
			}
			if mod == nil {
				mod, _ = kobj.Open(fd.File)
			}
			if mod != nil {
				var err error
				if t, err = Open(mod, debugDirs); err != nil {
					errs = append(errs, err)
				}
			}
			tables[fd.File] = t
		}
		if file, line, ok := t.Line(fd.Addr); ok && line > 0 {
			fd.SourceFile, fd.SourceLine = file, line
		}
	}
	return errs
}
