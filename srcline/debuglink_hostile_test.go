//go:build unix

package srcline_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/srcline"
)

// The file .gnu_debuglink names, found as a FIFO, a link to /dev/zero or a
// link to a FIFO, is refused at once: an error naming it or no table,
// never a blocked open or an endless read.
func TestDebugLinkHostileTargets(t *testing.T) {
	src := local("debuglink", "arm64", "vnet_user.ko")
	for name, create := range map[string]func(p string) error{
		"fifo":   func(p string) error { return syscall.Mkfifo(p, 0o644) },
		"device": func(p string) error { return os.Symlink("/dev/zero", p) },
		"link to fifo": func(p string) error {
			if err := syscall.Mkfifo(p+".fifo", 0o644); err != nil {
				return err
			}
			return os.Symlink(p+".fifo", p)
		},
	} {
		dir := t.TempDir()
		mod := filepath.Join(dir, "vnet_user.ko")
		copyFile(t, src, mod, nil)
		if err := create(mod + ".debug"); err != nil {
			t.Skipf("%s: %v", name, err)
		}
		f, err := kobj.Open(mod)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			tab, err := srcline.Open(f, nil)
			if err == nil && tab != nil {
				err = os.ErrInvalid // a table from a device: wrong
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == os.ErrInvalid {
				t.Errorf("%s: a line table was read", name)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%s: Open still running after 2 s", name)
		}
	}
}
