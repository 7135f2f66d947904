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

var reInsn = regexp.MustCompile(`^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$`)

// Every call llvm-objdump shows in a shared-object module, on every
// architecture, is decoded at the same address, to the same target, and
// with the callee objdump names (a function, or a PLT entry: x86, arm64);
// where the compiler recorded the call site in DWARF (direct calls), with
// the callee it names at the return address (armv7's PLT stubs, riscv64's
// auipc+jalr, which objdump does not name); and where the call goes
// through a slot (powerpc's -mlongcall: ld/lwz, mtctr, bctrl), with the
// symbol llvm-readelf -r gives the slot. No other call is decoded.
func TestCallsMatchObjdump(t *testing.T) {
	configs := map[string]bool{}
	for _, fx := range testutil.Fixtures(t) {
		if fx.Name == "kernel" || fx.Config == "amd64" || strings.HasPrefix(fx.Config, "tree-") {
			continue
		}
		configs[fx.Config] = true
		f, cap := open(t, fx.Config, fx.Name)
		res, err := Scan(f)
		if err != nil {
			t.Fatal(err)
		}
		calls := map[uint64]Call{}
		for _, c := range res.Calls {
			calls[c.Addr] = c
		}
		sites := callSites(t, cap+".callsites.txt")
		relocs := relocSymbols(t, cap+".relocs.txt")
		where := fx.Config + "/" + fx.Name
		want := objdumpCalls(t, fx.Config, cap+".objdump.txt")
		for _, o := range want {
			c, ok := calls[o.addr]
			switch {
			case !ok:
				t.Errorf("%s: %q at %#x not decoded", where, o.text, o.addr)
				continue
			case o.target != 0 && c.Target != o.target:
				t.Errorf("%s: %q at %#x: target %#x", where, o.text, o.addr, c.Target)
			case relocs[o.addr] != "" && c.Callee != relocs[o.addr]:
				// A branch the kernel linker patches (-z ifunc-noplt):
				// objdump shows its unrelocated target.
				t.Errorf("%s: %q at %#x: callee %q, relocated for %q", where, o.text, o.addr, c.Callee, relocs[o.addr])
			case relocs[o.addr] == "" && o.callee != "" && c.Callee != o.callee:
				t.Errorf("%s: %q at %#x: callee %q", where, o.text, o.addr, c.Callee)
			case sites != nil && sites[o.next] != "" && c.Callee != sites[o.next]:
				t.Errorf("%s: %q at %#x: callee %q, DWARF call site %q", where, o.text, o.addr, c.Callee, sites[o.next])
			case c.Slot != 0 && (c.Callee == "" || relocs[c.Slot] != c.Callee):
				t.Errorf("%s: %q at %#x: callee %q through slot %#x, relocated for %q", where, o.text, o.addr, c.Callee, c.Slot, relocs[c.Slot])
			case c.Callee == "" && !unnamed(relocs, o.addr):
				t.Errorf("%s: %q at %#x: no callee", where, o.text, o.addr)
			}
			delete(sites, o.next)
		}
		if len(want) != len(res.Calls) {
			t.Errorf("%s: %d calls decoded, objdump shows %d", where, len(res.Calls), len(want))
		}
		for pc, name := range sites {
			t.Errorf("%s: DWARF call site of %s returning to %#x: no call objdump shows", where, name, pc)
		}
	}
	for _, c := range []string{"i386", "arm64", "armv7", "riscv64", "powerpc", "powerpc64", "powerpc64le"} {
		if !configs[c] {
			t.Errorf("no %s fixtures", c)
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

// The seed 002 call pattern as the C source writes it, on every
// architecture: vm_map_find(map, NULL, 0, &addr, size, 0, VMFS_ANY_SPACE,
// VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, 0), then
// pmap_enter(pmap, va, m, VM_PROT_READ | VM_PROT_WRITE, ... | PMAP_ENTER_WIRED,
// 0). Argument words (abi.go): the vm_ooffset_t takes two on 32-bit
// architectures, so the arguments after it come one word later there.
func TestVMMapCalls(t *testing.T) {
	for _, config := range []string{"amd64", "i386", "arm64", "armv7", "riscv64", "powerpc", "powerpc64", "powerpc64le"} {
		f, _ := open(t, config, "vmmap_bad.ko")
		res, err := Scan(f)
		if err != nil {
			t.Fatal(err)
		}
		after := 5 // the word of vm_map_find's max_addr, 0
		if f.Arch.PtrSize == 4 {
			after = 6
		}
		want := map[string]map[int]uint64{
			"vm_map_find": {1: 0, after: 0, after + 1: 1, after + 2: 3, after + 3: 7, after + 4: 0},
			"pmap_enter":  {3: 3, 4: 0x203, 5: 0},
		}
		var got []string
		for _, c := range res.Calls {
			if c.Func != "vmmap_bad_map" {
				continue
			}
			got = append(got, c.Callee)
			for i, v := range want[c.Callee] {
				if a, ok := c.Args[i]; !ok || a != v {
					t.Errorf("%s: %s argument %s = %#x known=%v, want constant %#x", config, c.Callee, ArgName(f, i), a, ok, v)
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
