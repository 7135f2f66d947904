package srcline

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/kobj"
)

// A .gnu_debuglink is a base name: however it is spelled, the places
// searched stay beside the module and under the debug directories.
func TestDebugLinkIsABaseName(t *testing.T) {
	dir := t.TempDir()
	debug := t.TempDir()
	for _, link := range []string{"../../etc/passwd", "/dev/zero", "sub/../../x.debug", "..", "/", "a\x00b"} {
		mod := &kobj.File{Path: filepath.Join(dir, "m.ko"), DebugLink: link}
		for _, c := range candidates(mod, []string{debug}) {
			abs, _ := filepath.Abs(c)
			if !strings.HasPrefix(abs, dir+string(filepath.Separator)) && !strings.HasPrefix(abs, debug+string(filepath.Separator)) {
				t.Errorf("link %q: candidate %s outside the module's directory and the debug directory", link, c)
			}
			if filepath.Base(c) != filepath.Base(link) {
				t.Errorf("link %q: candidate %s is not the link's base name", link, c)
			}
		}
	}
}
