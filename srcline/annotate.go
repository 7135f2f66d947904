package srcline

import (
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
)

// Annotate fills SourceFile and SourceLine of the findings that locate a
// place in a file (HasAddr), reading each file's debug information once.
// Files without debug information are left as they are; a file whose debug
// information cannot be read is skipped too (the finding keeps its
// function+offset).
func Annotate(fs []rules.Finding, debugDirs []string) {
	tables := map[string]*Table{}
	for i := range fs {
		fd := &fs[i]
		if !fd.HasAddr || fd.File == "" {
			continue
		}
		t, seen := tables[fd.File]
		if !seen {
			if mod, err := kobj.Open(fd.File); err == nil {
				t, _ = Open(mod, debugDirs)
			}
			tables[fd.File] = t
		}
		if file, line, ok := t.Line(fd.Addr); ok && line > 0 {
			fd.SourceFile, fd.SourceLine = file, line
		}
	}
}
