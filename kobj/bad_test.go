package kobj_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

// Damaged files give an *kobj.Error naming the file and the problem, never a
// panic.
func TestBadInput(t *testing.T) {
	var good []byte
	var is64 bool
	for _, fx := range testutil.Fixtures(t) {
		if fx.Config == "amd64" && fx.Name == "vnet_owner.ko" {
			var err error
			if good, err = os.ReadFile(fx.Path); err != nil {
				t.Fatal(err)
			}
			is64 = true
		}
	}
	if good == nil {
		t.Fatal("amd64/vnet_owner.ko fixture missing")
	}
	mutate := func(fn func(b []byte) []byte) []byte {
		return fn(append([]byte(nil), good...))
	}
	le := binary.LittleEndian
	shoff := func(b []byte) int { return int(le.Uint64(b[0x28:])) }
	shnum := int(le.Uint16(good[60:]))
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "not an ELF file", nil},
		{"text", "not an ELF file", []byte("#!/bin/sh\necho hi\n")},
		{"truncated ident", "truncated ELF identification", good[:10]},
		{"truncated header", "truncated ELF header", good[:40]},
		{"bad class", "unknown ELF class 9", mutate(func(b []byte) []byte { b[4] = 9; return b })},
		{"bad byte order", "unknown ELF byte order 7", mutate(func(b []byte) []byte { b[5] = 7; return b })},
		{"unknown machine", "unsupported machine", mutate(func(b []byte) []byte { le.PutUint16(b[18:], 0x1234); return b })},
		{"section table past end", "section header table at 0x", mutate(func(b []byte) []byte { le.PutUint64(b[0x28:], uint64(len(b))+4096); return b })},
		{"truncated in section table", fmt.Sprintf("section header table at %#x + %d x 64 bytes runs past the end of the %d-byte file", shoff(good), shnum, shoff(good)+100), good[:shoff(good)+100]},
		{"e_shnum 0xffff", fmt.Sprintf("section header table at %#x + 65535 x 64 bytes runs past the end of the %d-byte file", shoff(good), len(good)),
			mutate(func(b []byte) []byte { le.PutUint16(b[60:], 0xffff); return b })},
		{"e_shentsize 0xffff", fmt.Sprintf("section header table at %#x + %d x 65535 bytes runs past the end", shoff(good), shnum),
			mutate(func(b []byte) []byte { le.PutUint16(b[58:], 0xffff); return b })},
		{"e_shentsize small", "section header entries of 8 bytes (e_shentsize), fewer than the 64 of this ELF class",
			mutate(func(b []byte) []byte { le.PutUint16(b[58:], 8); return b })},
		{"e_phnum 0xffff", "program header table at 0x40 + 65535 x 56 bytes runs past the end",
			mutate(func(b []byte) []byte {
				le.PutUint64(b[32:], 64)
				le.PutUint16(b[54:], 56)
				le.PutUint16(b[56:], 0xffff)
				return b
			})},
		{"e_phentsize 0", "program header entries of 0 bytes (e_phentsize), fewer than the 56",
			mutate(func(b []byte) []byte { le.PutUint16(b[54:], 0); le.PutUint16(b[56:], 3); return b })},
		{"extended numbering past end", "section header table at",
			mutate(func(b []byte) []byte { le.PutUint16(b[60:], 0); le.PutUint64(b[shoff(b)+32:], 1<<20); return b })},
		{"name table past end", "section-name string table (section",
			mutate(func(b []byte) []byte {
				str := int(le.Uint16(b[62:]))
				le.PutUint64(b[shoff(b)+str*64+24:], uint64(len(b))-2)
				return b
			})},
		{"section data past end", "outside the file", mutate(func(b []byte) []byte {
			// Section 1's sh_offset (64-byte headers, sh_offset at +24).
			le.PutUint64(b[shoff(b)+64+24:], uint64(len(b))*2)
			return b
		})},
		{"truncated at half", "", good[:len(good)/2]},
	}
	if !is64 {
		t.Fatal("expected an ELF64 fixture")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := kobj.Parse("bad.ko", c.data)
			if err == nil {
				t.Fatalf("no error; read %v", f.Arch)
			}
			var ke *kobj.Error
			if !errors.As(err, &ke) {
				t.Fatalf("error %T %v is not a *kobj.Error", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "bad.ko: ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q should be one line starting with the file name", msg)
			}
			if strings.HasSuffix(msg, "EOF") {
				t.Errorf("error %q names no fault", msg)
			}
			if !strings.Contains(msg, c.want) {
				t.Errorf("error %q does not say %q", msg, c.want)
			}
		})
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := kobj.Open("/nonexistent/x.ko")
	if err == nil || err.Error() != "/nonexistent/x.ko: no such file or directory" {
		t.Errorf("got %v", err)
	}
}
