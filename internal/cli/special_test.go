//go:build unix

package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kldcheck/kldcheck/internal/testutil"
)

// specialFiles makes a FIFO, a socket and a symbolic link to a character
// device, each named like a module, in dir.
func specialFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	fifo := filepath.Join(dir, "fifo.ko")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	sock := filepath.Join(dir, "sock.ko")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix socket: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	dev := filepath.Join(dir, "zero.ko")
	if err := os.Symlink("/dev/zero", dev); err != nil {
		t.Fatal(err)
	}
	return map[string]string{fifo: "is a FIFO", sock: "is a socket", dev: "is a character device"}
}

// Every command that takes a file refuses a FIFO, a socket and a device at
// once: exit 2, one line naming the file and what it is. A command that
// opened a FIFO for reading would block here until the test's timeout.
func TestSpecialFilesRefused(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(testutil.Root(t), "testdata", "amd64", "nodep.ko")
	tree := filepath.Join(testutil.Root(t), "testdata", "amd64")
	for path, what := range specialFiles(t, dir) {
		for _, args := range [][]string{
			{"info", path},
			{"info", "--symbols", path},
			{"check", path},
			{"check", "--kernel", path, mod},
			{"check", "--loaded-from", path, mod},
			{"load", path},
			{"load", "--kernel", path, mod},
			{"calls", path},
			{"scan", path},
			{"scan", "--kernel", path, tree},
			{"hints", path},
			{"boot", "--loader-conf", path},
			{"boot", "--rc-conf", path},
			{"diff", path, mod},
			{"diff", mod, path},
		} {
			type result struct {
				code   int
				stderr string
			}
			done := make(chan result, 1)
			go func() {
				code, _, stderr := run(args...)
				done <- result{code, stderr}
			}()
			select {
			case r := <-done:
				if r.code != 2 {
					t.Errorf("%v: exit %d, want 2 (%s)", args, r.code, r.stderr)
				}
				line := strings.TrimSuffix(r.stderr, "\n")
				if strings.Contains(line, "\n") || !strings.Contains(line, path+": "+what) {
					t.Errorf("%v: stderr %q, want one line with %q", args, r.stderr, path+": "+what)
				}
			case <-time.After(time.Second):
				t.Fatalf("%v: still running after a second (blocked opening %s?)", args, path)
			}
		}
	}
}

// scan reports each *.ko entry of a tree that is not a regular file as a
// bad file, and a dangling link too, rather than leaving it out unsaid.
func TestScanSpecialEntries(t *testing.T) {
	dir := t.TempDir()
	want := specialFiles(t, dir)
	dangling := filepath.Join(dir, "dangling.ko")
	if err := os.Symlink("gone.ko", dangling); err != nil {
		t.Fatal(err)
	}
	want[dangling] = "dangling symbolic link to gone.ko"
	want[filepath.Join(dir, "zero.ko")] = "symbolic link to /dev/zero, a character device"
	copyTo(t, filepath.Join(testutil.Root(t), "testdata", "amd64", "vnet_owner.ko"), filepath.Join(dir, "vnet_owner.ko"))
	code, stdout, stderr := run("scan", "--kernel", filepath.Join(testutil.Root(t), "testdata", "amd64", "kernel"), dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (findings)\n%s%s", code, stdout, stderr)
	}
	for path, what := range want {
		if !strings.Contains(stdout, filepath.Base(path)+": error: "+what) {
			t.Errorf("no bad-file finding %q for %s in\n%s", what, path, stdout)
		}
	}
	if !strings.Contains(stdout, "scanned 5 modules") {
		t.Errorf("want 5 entries scanned:\n%s", stdout)
	}
}

func copyTo(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A linker.hints that is a FIFO, a link to a device or a huge file is
// refused by scan without blocking or reading it: a bad-file finding
// naming it, and the modules still checked.
func TestScanHostileHints(t *testing.T) {
	mod := filepath.Join(testutil.Root(t), "testdata", "amd64", "vnet_owner.ko")
	kernel := filepath.Join(testutil.Root(t), "testdata", "amd64", "kernel")
	for name, create := range map[string]func(p string) error{
		"fifo":   func(p string) error { return syscall.Mkfifo(p, 0o644) },
		"device": func(p string) error { return os.Symlink("/dev/zero", p) },
		"huge": func(p string) error {
			fh, err := os.Create(p)
			if err != nil {
				return err
			}
			defer fh.Close()
			return fh.Truncate(300 << 20) // sparse: nothing to read if stat is first
		},
	} {
		dir := t.TempDir()
		copyTo(t, mod, filepath.Join(dir, "vnet_owner.ko"))
		hints := filepath.Join(dir, "linker.hints")
		if err := create(hints); err != nil {
			t.Skipf("%s: %v", name, err)
		}
		done := make(chan string, 1)
		start := time.Now()
		go func() {
			code, out, stderr := run("scan", "--kernel", kernel, dir)
			done <- fmt.Sprintf("%d\n%s%s", code, out, stderr)
		}()
		select {
		case r := <-done:
			if !strings.HasPrefix(r, "1\n") || !strings.Contains(r, "linker.hints: error: ") {
				t.Errorf("%s: want exit 1 and a bad-file finding on linker.hints:\n%s", name, r)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s: took %v", name, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: scan still running after 5 s", name)
		}
	}
}

// A file too large to check is refused with one line before it is read (a
// sparse file: reading it would take as long as its size).
func TestTooLargeRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.ko")
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(600 << 20); err != nil {
		t.Skip(err)
	}
	fh.Close()
	for _, cmd := range []string{"info", "check", "calls"} {
		start := time.Now()
		code, _, stderr := run(cmd, p)
		if code != 2 || !strings.Contains(stderr, "file is 629145600 bytes, larger than the 536870912 kldcheck reads") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, %q", cmd, code, stderr)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: %v to refuse it", cmd, d)
		}
	}
}

// check of a module whose compressed DWARF claims 1 GiB once inflated: the
// findings come without source lines, a note on stderr says why, and
// nothing is inflated.
func TestCheckDWARFBomb(t *testing.T) {
	data := testutil.DWARFBomb(t, 1<<30)
	p := filepath.Join(t.TempDir(), "bomb.ko")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run("check", "--kernel", filepath.Join(testutil.Root(t), "testdata", "arm64", "kernel"), p)
	if code != ExitFindings || !strings.Contains(out, "[set-ref-pcrel]") || strings.Contains(out, "source:") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if !strings.Contains(stderr, "claims 1073741824 bytes once decompressed") || !strings.Contains(stderr, "no source lines") {
		t.Errorf("stderr %q", stderr)
	}
}
