package code

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/testutil"
	"github.com/kldcheck/kldcheck/kobj"
)

func open(t *testing.T, config, name string) (*kobj.File, string) {
	t.Helper()
	dir := filepath.Join(testutil.Root(t), "testdata", config)
	f, err := kobj.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return f, filepath.Join(dir, "readelf", name)
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

var (
	reInsn = regexp.MustCompile(`^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$`)
	reBL   = regexp.MustCompile(`^0x([0-9a-f]+) <([^>+@]+)(@plt)?>$`)
)

// Every arm64 bl that llvm-objdump names, kldcheck decodes to the same target
// and callee (through the PLT stub's GOT slot and its JUMP_SLOT relocation).
func TestARM64CallsMatchObjdump(t *testing.T) {
	for _, config := range []string{"arm64", "arm64-lld14-relax", "arm64-lld14-norelax"} {
		for _, fx := range testutil.Fixtures(t) {
			if fx.Config != config || fx.Name == "kernel" {
				continue
			}
			f, cap := open(t, config, fx.Name)
			res, err := Scan(f)
			if err != nil {
				t.Fatal(err)
			}
			calls := map[uint64]Call{}
			for _, c := range res.Calls {
				calls[c.Addr] = c
			}
			n := 0
			for _, l := range lines(t, cap+".objdump.txt") {
				m := reInsn.FindStringSubmatch(l)
				if m == nil || m[2] != "bl" {
					continue
				}
				n++
				addr, _ := strconv.ParseUint(m[1], 16, 64)
				c, ok := calls[addr]
				if !ok {
					t.Errorf("%s/%s: bl at %#x not decoded", config, fx.Name, addr)
					continue
				}
				if b := reBL.FindStringSubmatch(m[3]); b != nil {
					target, _ := strconv.ParseUint(b[1], 16, 64)
					if c.Target != target || c.Callee != b[2] {
						t.Errorf("%s/%s: bl at %#x: %#x %q, objdump %#x %q", config, fx.Name, addr, c.Target, c.Callee, target, b[2])
					}
				}
			}
			if n != len(res.Calls) {
				t.Errorf("%s/%s: %d calls decoded, objdump shows %d bl", config, fx.Name, len(res.Calls), n)
			}
		}
	}
}

// amd64 modules are relocatable: each call's callee is the symbol of the
// relocation in its displacement, as llvm-readelf -r lists it.
func TestAMD64CallsMatchRelocations(t *testing.T) {
	f, cap := open(t, "amd64", "vmmap_bad.ko")
	res, err := Scan(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]string{} // offset in .text of a PLT32 relocation -> symbol
	in := false
	for _, l := range lines(t, cap+".relocs.txt") {
		switch {
		case strings.HasPrefix(l, "Relocation section '.rela.text'"):
			in = true
		case strings.TrimSpace(l) == "":
			in = false
		case in:
			fs := strings.Fields(l)
			if len(fs) >= 5 && fs[2] == "R_X86_64_PLT32" {
				off, _ := strconv.ParseUint(fs[0], 16, 64)
				want[off] = fs[4]
			}
		}
	}
	text := f.SectionByName(".text")
	if len(want) == 0 || len(res.Calls) != len(want) {
		t.Fatalf("%d calls decoded, %d PLT32 relocations", len(res.Calls), len(want))
	}
	for _, c := range res.Calls {
		if name := want[c.Addr-text.Addr+1]; c.Callee != name {
			t.Errorf("call at %#x: %q, relocation names %q", c.Addr, c.Callee, name)
		}
	}
}

// The seed 002 call pattern as the C source writes it, on three
// architectures: vm_map_find with a NULL object (second argument), then
// pmap_enter.
func TestVMMapCalls(t *testing.T) {
	for _, config := range []string{"amd64", "arm64", "riscv64"} {
		f, _ := open(t, config, "vmmap_bad.ko")
		res, err := Scan(f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range res.Calls {
			if c.Func == "vmmap_bad_map" {
				got = append(got, c.Callee)
				if c.Callee == "vm_map_find" {
					if v, ok := c.Args[1]; !ok || v != 0 {
						t.Errorf("%s: vm_map_find object argument %v known=%v, want constant 0", config, v, ok)
					}
				}
			}
		}
		if strings.Join(got, ",") != "vm_map_find,pmap_enter" {
			t.Errorf("%s: vmmap_bad_map calls %v", config, got)
		}
	}
}

var reADR = regexp.MustCompile(`^x\d+, #(-?0x[0-9a-f]+)$`)

// lld 14 without --no-relax turned vnet_local's GOT loads into adr: every adr
// objdump shows is an address access to the same target, and there are none
// in the --no-relax build.
func TestRelaxedADR(t *testing.T) {
	for config, wantADR := range map[string]bool{"arm64-lld14-relax": true, "arm64-lld14-norelax": false} {
		f, cap := open(t, config, "vnet_local.ko")
		res, err := Scan(f)
		if err != nil {
			t.Fatal(err)
		}
		want := map[uint64]uint64{}
		for _, l := range lines(t, cap+".objdump.txt") {
			m := reInsn.FindStringSubmatch(l)
			if m == nil || m[2] != "adr" {
				continue
			}
			a := reADR.FindStringSubmatch(m[3])
			if a == nil {
				t.Fatalf("unexpected adr operands %q", m[3])
			}
			addr, _ := strconv.ParseUint(m[1], 16, 64)
			off, _ := strconv.ParseInt(a[1], 0, 64)
			want[addr] = addr + uint64(off)
		}
		got := map[uint64]uint64{}
		for _, a := range res.Accesses {
			if strings.HasPrefix(a.Text, "adr ") {
				got[a.Addr] = a.Target
			}
		}
		if len(want) > 0 != wantADR || len(got) != len(want) {
			t.Fatalf("%s: objdump adr %v, decoded %v", config, want, got)
		}
		vnet := f.Set("set_vnet")
		for addr, target := range want {
			if got[addr] != target {
				t.Errorf("%s: adr at %#x: %#x, objdump %#x", config, addr, got[addr], target)
			}
			if target < vnet.Addr() || target >= vnet.Addr()+vnet.Size() {
				t.Errorf("%s: adr target %#x outside set_vnet", config, target)
			}
		}
	}
}
