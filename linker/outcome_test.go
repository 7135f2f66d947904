package linker_test

import (
	"debug/elf"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/rules"
)

// A dependency whose relocation pass refused its load, loaded again through
// Outcomes without running the pass, refuses the dependent's load in the
// same words as a full load does: for each pass that can refuse (link_elf_obj's
// local and global passes, link_elf's global one).
func TestOutcomesReplayRefusal(t *testing.T) {
	cases := []struct {
		config string
		local  bool // damage a record against a local symbol
	}{{"amd64", true}, {"amd64", false}, {"arm64", false}, {"riscv64", false}}
	for _, c := range cases {
		d := dir(t, c.config)
		owner, user := filepath.Join(d, "vnet_owner.ko"), filepath.Join(d, "vnet_user.ko")
		// open gives vnet_owner.ko a record of a type no kernel linker knows.
		open := func(p string) (*kobj.File, error) {
			f, err := kobj.Open(p)
			if err != nil || p != owner {
				return f, err
			}
			for _, tab := range f.RelocTables {
				syms := f.SymbolsOf(tab)
				for i := range tab.Relocs {
					r := &tab.Relocs[i]
					if int(r.Sym) >= len(syms) || r.Sym == 0 || (syms[r.Sym].Bind == elf.STB_LOCAL) != c.local || tab.Target != nil && !tab.Target.Alloc() {
						continue
					}
					r.Type = 0xfe
					return f, nil
				}
			}
			t.Fatalf("%s: no record to damage", p)
			return nil, nil
		}
		k, err := kobj.Open(filepath.Join(d, "kernel"))
		if err != nil {
			t.Fatal(err)
		}
		boot := func(oc *linker.Outcomes, path string) *linker.Linker {
			l, err := linker.New(linker.Options{Kernel: k, ModulePath: []string{d}, Open: open, Outcomes: oc})
			if err != nil {
				t.Fatal(err)
			}
			if err := l.LoadAll([]string{path}); err != nil {
				t.Fatal(err)
			}
			return l
		}
		oc := linker.NewOutcomes()
		first := boot(oc, owner) // records the refusal
		if len(first.Failed) != 1 || first.Failed[0].Rule != rules.UnsupportedRelocation {
			t.Fatalf("%s local=%v: owner's own load: %+v", c.config, c.local, first.Failed)
		}
		want := boot(nil, user).Findings
		got := boot(oc, user).Findings
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s local=%v: findings differ:\n got %+v\nwant %+v", c.config, c.local, got, want)
		}
		stopped := false
		for _, fd := range want {
			stopped = stopped || fd.File == user && strings.Contains(fd.Message, "loading vnet_owner.ko failed: kldload: unexpected relocation type 254")
		}
		if !stopped {
			t.Errorf("%s local=%v: the dependent's load was not refused: %+v", c.config, c.local, want)
		}
	}
}
