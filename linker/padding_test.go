package linker_test

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
)

// An i386 module whose set_vnet lost the padding word of
// sys/conf/ldscript.kmod.i386 is refused in the kernel's words, and the
// message names the set and the word expected.
func TestI386SetPadding(t *testing.T) {
	d := dir(t, "i386")
	b, err := os.ReadFile(filepath.Join(d, "vnet_owner.ko"))
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	s := ef.Section("set_vnet")
	if s == nil || s.Size < 4 {
		t.Fatal("fixture has no set_vnet")
	}
	copy(b[s.Offset+s.Size-4:], []byte{0, 0, 0, 0})
	// The kernel names the file by the path it loaded (ef->lf.pathname).
	mod, err := kobj.Parse("/boot/modules/nopad.ko", b)
	if err != nil {
		t.Fatal(err)
	}
	l, err := linker.New(linker.Options{Profile: profile.Newest(), Open: func(string) (*kobj.File, error) { return mod, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.LoadAll([]string{"/boot/modules/nopad.ko"}); err != nil {
		t.Fatal(err)
	}
	fs := byRule(l, rules.SetPadding)
	want := "Kernel module '/boot/modules/nopad.ko' must be recompiled with linker script, invalid padding 0000 (0x90909090): " +
		"the last word of set_vnet should be the padding word 0x90909090"
	if len(fs) != 1 || !strings.HasPrefix(fs[0].Message, want) || fs[0].Symbol != "set_vnet" {
		t.Errorf("findings %v, want one set-padding starting %q", l.Findings, want)
	}
}
