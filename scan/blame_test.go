package scan

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/profile"
	"github.com/kldcheck/kldcheck/rules"
)

// When a dependency's file fails in a way the linker does not turn into a
// refused load (an internal error of kldcheck's on that file), the
// dependent is not given the dependency's bad-file: it gets a finding
// naming the dependency and why, and keeps its own findings.
func TestDependencyBlame(t *testing.T) {
	d := filepath.Join(testutil.Root(t), "testdata", "arm64")
	user, owner := filepath.Join(d, "vnet_user.ko"), filepath.Join(d, "vnet_owner.ko")
	kernel, err := kobj.Open(filepath.Join(d, "kernel"))
	if err != nil {
		t.Fatal(err)
	}
	c := newCache(DefaultCacheBytes)
	e := &entry{path: owner, err: &kobj.Error{Path: owner, Msg: "boom", Internal: true}}
	e.once.Do(func() {})
	c.files[owner] = e
	h := linker.Hints{}
	h.Add("vnet_owner", 1, owner)
	m, _ := checkOne(user, linker.Options{Profile: profile.Newest(), Kernel: kernel, ModulePath: []string{d}, Hints: h, Open: c.open}, false)
	var got []string
	for _, fd := range m.Findings {
		got = append(got, fd.Rule)
		if fd.Rule == rules.BadFile {
			t.Errorf("the dependent got the dependency's bad-file: %s", fd.Message)
		}
		if fd.Rule == rules.MissingDependency && !strings.Contains(fd.Message, "vnet_owner.ko, which could not be read: boom") {
			t.Errorf("message %q", fd.Message)
		}
	}
	if !strings.Contains(strings.Join(got, " "), rules.MissingDependency) {
		t.Errorf("findings %v, want a missing-dependency naming vnet_owner.ko", got)
	}
}
