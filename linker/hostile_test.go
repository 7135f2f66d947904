package linker_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
)

// shdr returns the file offset of section name's header in an ELF64 file.
func shdr(t *testing.T, data []byte, name string) int {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	shoff := int(binary.LittleEndian.Uint64(data[0x28:]))
	for i, s := range ef.Sections {
		if s.Name == name {
			return shoff + i*64
		}
	}
	t.Fatalf("no section %s", name)
	return 0
}

// Crafted modules that a fuzzer would take long to reach: each loads into
// the amd64 fixture kernel within a second, with a finding or an error about
// the file, never a kldcheck failure.
func TestHostileModules(t *testing.T) {
	d := dir(t, "amd64")
	good, err := os.ReadFile(filepath.Join(d, "vnet_owner.ko"))
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	// want: a word of the parse error or of a finding; "" when any clean
	// outcome will do.
	want := map[string]string{
		"absurd alignment":                      "cannot honour",
		"huge set size":                         "outside the file",
		"relocation target outside its section": "outside the section",
	}
	cases := map[string]func(b []byte){
		// .data renamed set_vnet: two sets of one name, overlapping nothing.
		"duplicate set_vnet": func(b []byte) {
			copy(b[shdr(t, b, ".data"):], b[shdr(t, b, "set_vnet"):][:4])
		},
		// set_pcpu renamed set_vnet: both sets claim VNET.
		"set_pcpu named set_vnet": func(b []byte) {
			copy(b[shdr(t, b, "set_pcpu"):], b[shdr(t, b, "set_vnet"):][:4])
		},
		"absurd alignment": func(b []byte) { le.PutUint64(b[shdr(t, b, ".text")+48:], 1<<63) },
		"huge set size":    func(b []byte) { le.PutUint64(b[shdr(t, b, "set_vnet")+32:], 1<<62) },
		"relocation target outside its section": func(b []byte) {
			off := int(le.Uint64(b[shdr(t, b, ".rela.text")+24:]))
			le.PutUint64(b[off:], 0xfffffff0)
		},
		"relocation section targets itself": func(b []byte) {
			h := shdr(t, b, ".rela.text")
			self := (h - int(le.Uint64(b[0x28:]))) / 64
			le.PutUint32(b[h+44:], uint32(self))
		},
	}
	k, err := kobj.Open(filepath.Join(d, "kernel"))
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			b := append([]byte(nil), good...)
			mutate(b)
			mod, err := kobj.Parse("hostile.ko", b)
			if err != nil {
				var ke *kobj.Error
				if !errors.As(err, &ke) || ke.Internal {
					t.Fatalf("parse: %v", err)
				}
				if !strings.Contains(err.Error(), want[name]) {
					t.Errorf("parse error %q does not say %q", err, want[name])
				}
				return
			}
			for _, p := range profile.All() {
				l, err := linker.New(linker.Options{Profile: p, Kernel: k, ModulePath: []string{d},
					Open: func(path string) (*kobj.File, error) {
						if path == "hostile.ko" {
							return mod, nil
						}
						return kobj.Open(path)
					}})
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				err = l.LoadAll([]string{"hostile.ko"})
				var ke *kobj.Error
				if errors.As(err, &ke) && ke.Internal || err != nil && !errors.As(err, &ke) {
					t.Fatalf("%s: %v", p.Name, err)
				}
				if d := time.Since(start); d > time.Second {
					t.Errorf("%s: load took %v", p.Name, d)
				}
				said := fmt.Sprint(err)
				for _, f := range l.Findings {
					said += "\n" + f.Message
				}
				if !strings.Contains(said, want[name]) {
					t.Errorf("%s: outcome %q does not say %q", p.Name, said, want[name])
				}
			}
		})
	}
}
