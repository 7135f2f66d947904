package linker_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
)

// withKernelVersion returns config's kernel with its MODULE_VERSION(kernel)
// changed to v, patched in the file bytes.
func withKernelVersion(t *testing.T, config string, v uint32) *kobj.File {
	t.Helper()
	path := filepath.Join(dir(t, config), "kernel")
	k, err := kobj.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	patched := false
	for _, m := range k.Metadata {
		if m.Type != kobj.MDTVersion || m.Name != "kernel" {
			continue
		}
		at, err := k.ReadPointer(m.Addr + 8) // md_data
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range k.Sections {
			if s.Alloc() && s.HasBits() && s.Contains(at) {
				k.Arch.ByteOrder().PutUint32(data[s.Offset+at-s.Addr:], v)
				patched = true
			}
		}
	}
	if !patched {
		t.Fatal("kernel has no MODULE_VERSION(kernel) record")
	}
	k, err = kobj.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A module built for FreeBSD 14 does not load on a 13 kernel: DECLARE_MODULE's
// implicit MODULE_DEPEND(kernel, 1400097, 1400097, 1499999) excludes it.
func TestKernelVersionMismatch(t *testing.T) {
	k := withKernelVersion(t, "arm64", 1300139)
	l, err := linker.New(linker.Options{Kernel: k, ModulePath: []string{dir(t, "arm64")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.LoadAll([]string{filepath.Join(dir(t, "arm64"), "vnet_local.ko")}); err != nil {
		t.Fatal(err)
	}
	fs := byRule(l, rules.VersionMismatch)
	want := "KLD vnet_local.ko: depends on kernel - not available or version mismatch (kernel provides kernel version 1300139; vnet_local.ko needs 1400097..1499999)"
	// The load stops there, and says so (vnet_local.ko has nothing else).
	if len(fs) != 1 || fs[0].Message != want || len(l.Findings) != 2 || len(byRule(l, rules.LoadStopped)) != 1 {
		t.Errorf("%v", l.Findings)
	}
}

func TestProfileForOSRelDate(t *testing.T) {
	for osrel, want := range map[int]string{
		802000: "freebsd-8.2", 900044: "freebsd-9.0", 1004000: "freebsd-10", 1200086: "freebsd-12.0", 1302001: "freebsd-13",
		1201000: "freebsd-12.1", 1400097: "freebsd-14", 1500068: "freebsd-15", 700000: "freebsd-8.2",
	} {
		if got := profile.ForOSRelDate(osrel).Name; got != want {
			t.Errorf("osreldate %d: %s, want %s", osrel, got, want)
		}
	}
}

// Without a kernel, undefined symbols are taken to be the kernel's and the
// report says so; module space is the profile's.
func TestNoKernel(t *testing.T) {
	p, _ := profile.ByName("freebsd-8.2")
	l, err := linker.New(linker.Options{Profile: p, ModulePath: []string{dir(t, "i386")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.LoadAll([]string{filepath.Join(dir(t, "i386"), "vnet_user.ko")}); err != nil {
		t.Fatal(err)
	}
	if len(byRule(l, rules.NoKernel)) != 1 || len(l.Assumed) == 0 {
		t.Errorf("findings %v, assumed %v", l.Findings, l.Assumed)
	}
	if got := l.Spaces[vnet].ModSize; got != 8192 {
		t.Errorf("VNET module space %d, want freebsd-8.2's 8192", got)
	}
	if len(byRule(l, rules.SetRefUnrelocated)) == 0 {
		t.Error("freebsd-8.2 without a kernel: cross-module references not flagged")
	}
}
