// Package regfile opens kldcheck's inputs: regular files only, never
// blocking on a FIFO, socket or device, and bounded in size before a byte is
// read. Every command that takes a path (a module, a kernel, linker.hints,
// loader.conf, a saved kldstat, a separate debug file) opens it here, so
// that `kldcheck check fifo.ko` fails at once instead of waiting for a
// writer.
package regfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// NotRegularError says that a path names something other than a regular
// file (after following symbolic links).
type NotRegularError struct {
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return "is " + Describe(e.Mode) + ", not a regular file"
}

// Describe names the kind of file a mode says, with its article: "a
// directory", "a FIFO", "a character device".
func Describe(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeDir != 0:
		return "a directory"
	case t&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a block device"
	case t&fs.ModeSymlink != 0:
		return "a symbolic link"
	case t == 0:
		return "a regular file"
	}
	return "a special file"
}

// TooLargeError says that a file holds more bytes than its reader accepts.
type TooLargeError struct {
	Size, Max int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("file is %d bytes, larger than the %d kldcheck reads", e.Size, e.Max)
}

// Stat returns the file information of path, following symbolic links, or
// a *NotRegularError when it is not a regular file. Errors are
// *fs.PathError values.
func Stat(path string) (fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: path, Err: &NotRegularError{Mode: st.Mode()}}
	}
	return st, nil
}

// IsRegular reports whether path names a regular file (through symbolic
// links).
func IsRegular(path string) bool {
	_, err := Stat(path)
	return err == nil
}

// Open opens a regular file for reading. It stats the path first, opens it
// without blocking (a FIFO put in the file's place after the stat cannot
// hold the open), and checks that what it opened is still a regular file.
// Errors are *fs.PathError values whose Err is a *NotRegularError, a
// *TooLargeError or the system's.
func Open(path string) (*os.File, fs.FileInfo, error) {
	if _, err := Stat(path); err != nil {
		return nil, nil, err
	}
	fh, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := fh.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = &fs.PathError{Op: "open", Path: path, Err: &NotRegularError{Mode: st.Mode()}}
	}
	if err != nil {
		fh.Close()
		return nil, nil, err
	}
	return fh, st, nil
}

// Read returns the contents of the regular file at path, refusing one of
// more than max bytes before reading it. It reads the size the open file's
// stat gave: a file that grows meanwhile is read up to that size.
func Read(path string, max int64) ([]byte, error) {
	fh, st, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if st.Size() > max {
		return nil, &fs.PathError{Op: "read", Path: path, Err: &TooLargeError{Size: st.Size(), Max: max}}
	}
	data := make([]byte, st.Size())
	n, err := io.ReadFull(fh, data)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	return data[:n], nil
}

// Reason is an error's text without the operation and path of an
// *fs.PathError, for messages that name the file themselves.
func Reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
