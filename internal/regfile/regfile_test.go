//go:build unix

package regfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := Read(p, 5); err != nil || string(b) != "12345" {
		t.Errorf("Read = %q, %v", b, err)
	}
	var tl *TooLargeError
	if _, err := Read(p, 4); !errors.As(err, &tl) || tl.Size != 5 || tl.Max != 4 {
		t.Errorf("Read over the bound: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{fifo, link, dir} {
		var nr *NotRegularError
		if _, err := Read(q, 100); !errors.As(err, &nr) {
			t.Errorf("Read(%s) = %v, want a NotRegularError", q, err)
		}
		if IsRegular(q) {
			t.Errorf("IsRegular(%s)", q)
		}
	}
	if _, err := Read(fifo, 1); Reason(err) != "is a FIFO, not a regular file" {
		t.Errorf("reason %q", Reason(err))
	}
	if _, err := Read(dir, 1); Reason(err) != "is a directory, not a regular file" {
		t.Errorf("reason %q", Reason(err))
	}
	if !IsRegular(p) {
		t.Errorf("IsRegular(%s) false", p)
	}
}
