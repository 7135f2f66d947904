package linker_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kldcheck/kldcheck/internal/readelf"
	"github.com/kldcheck/kldcheck/linker"
	"github.com/kldcheck/kldcheck/rules"
)

// The oracle of these tests is llvm-readelf: the master sets' bounds and the
// variables' addresses come from the captures taken when the fixtures were
// built; only a module's load address is the simulation's own choice.

// captured reads a file's symbol table capture (.symtab and .dynsym), by
// name, the .symtab entry winning.
func captured(t *testing.T, config, file string) map[string]readelf.Symbol {
	t.Helper()
	syms, err := readelf.Symbols(capture(t, config, file, "symbols"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]readelf.Symbol{}
	for _, s := range syms {
		if _, seen := out[s.Name]; !seen || s.Table == ".symtab" {
			out[s.Name] = s
		}
	}
	return out
}

// sectionAddr is a section's address in a file's section capture.
func sectionAddr(t *testing.T, config, file, name string) uint64 {
	t.Helper()
	text := capture(t, config, file, "sections")
	secs, err := readelf.Sections(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		if s.Name == name {
			return s.Addr
		}
	}
	t.Fatalf("%s: no section %s in the capture", file, name)
	return 0
}

// masterSet is the kernel's set_vnet or set_pcpu as its symbol table bounds it.
type masterSet struct {
	set, prefix, macro, where string
	start, stop               uint64
}

func master(t *testing.T, kernel map[string]readelf.Symbol, set string) masterSet {
	t.Helper()
	m := masterSet{set: set, prefix: "vnet_entry_", macro: "VNET", where: "in vnet0"}
	if set == "set_pcpu" {
		m.prefix, m.macro, m.where = "pcpu_entry_", "DPCPU", "on CPU 0"
	}
	start, ok1 := kernel["__start_"+set]
	stop, ok2 := kernel["__stop_"+set]
	if !ok1 || !ok2 || stop.Value <= start.Value {
		t.Fatalf("kernel capture: no bounds for %s", set)
	}
	m.start, m.stop = start.Value, stop.Value
	return m
}

// block is the data block's size: the set rounded up to a 4 KiB page.
func (m masterSet) block() uint64 { return (m.stop - m.start + 0xfff) &^ 0xfff }

func setOfVariable(name string) string {
	if strings.HasPrefix(name, "pcpu_entry_") {
		return "set_pcpu"
	}
	return "set_vnet"
}

// The 2011 case (the i386 vnet_user.ko on a kernel before the fix, and the
// other architectures' builds of it): each unrelocated reference holds the
// owner's image address, so VNET(x) and DPCPU(x) add the instance base to
// it and land past the end of the data block.
func TestLandsUnrelocated(t *testing.T) {
	for _, config := range []string{"i386", "arm64", "armv7", "riscv64", "powerpc", "powerpc64", "powerpc64le"} {
		kernel := captured(t, config, "kernel")
		owner := captured(t, config, "vnet_owner.ko")
		l := simulate(t, config, "freebsd-8.2", "vnet_user.ko")
		var ownerFile *linker.File
		for _, f := range l.Files {
			if f.Name == "vnet_owner.ko" {
				ownerFile = f
			}
		}
		fs := byRule(l, rules.SetRefUnrelocated)
		if ownerFile == nil || len(fs) == 0 {
			t.Fatalf("%s: vnet_owner.ko %v, findings %v", config, ownerFile, fs)
		}
		for _, f := range fs {
			m := master(t, kernel, setOfVariable(f.Symbol))
			sym, ok := owner[f.Symbol]
			if !ok {
				t.Fatalf("%s: %s not in vnet_owner.ko's capture", config, f.Symbol)
			}
			off := ownerFile.Address + sym.Value - m.start
			want := fmt.Sprintf("%s(%s) %s ", m.macro, strings.TrimPrefix(f.Symbol, m.prefix), m.where)
			want += fmt.Sprintf("touches data block + %#x, past the end of the %#x-byte block: kernel memory that is not a %s variable", off, m.block(), m.macro)
			want += fmt.Sprintf("; the variable's copy is at data block + %#x", f.Expected-m.start)
			if f.Lands != want {
				t.Errorf("%s: %s lands\n  %q\nwant\n  %q", config, f.Symbol, f.Lands, want)
			}
		}
	}
}

// lld 14's relaxation (EN-23:08): vnet_local.ko's adr reaches the module's
// own set_vnet, so VNET(x) adds vnet0's base to the image address.
func TestLandsPCRel(t *testing.T) {
	const config = "arm64-lld14-relax"
	kernel := captured(t, config, "kernel")
	local := captured(t, config, "vnet_local.ko")
	m := master(t, kernel, "set_vnet")
	l := simulate(t, config, "freebsd-14", "vnet_local.ko")
	fs := byRule(l, rules.SetRefPCRel)
	if len(fs) != 2 {
		t.Fatalf("set-ref-pcrel findings %v, want 2", fs)
	}
	x := local["vnet_entry_x"]
	// The only module with a set: its set_vnet is module space's first
	// allocation, at the start of the kernel's modspace array.
	copyAt := kernel["vnet_entry_modspace"].Value + x.Value - sectionAddr(t, config, "vnet_local.ko", "set_vnet") - m.start
	for _, f := range fs {
		off := l.Files[1].Address + x.Value - m.start
		want := fmt.Sprintf("VNET(x) in vnet0 touches data block + %#x, past the end of the %#x-byte block: kernel memory that is not a VNET variable; the variable's copy is at data block + %#x", off, m.block(), copyAt)
		if f.Lands != want {
			t.Errorf("%s lands\n  %q\nwant\n  %q", f.Location, f.Lands, want)
		}
	}
	// Without a kernel the master set is the stand-in's, and the line says so.
	sl := standIn(t, config, "vnet_local.ko")
	for _, f := range byRule(sl, rules.SetRefPCRel) {
		if !strings.HasSuffix(f.Lands, " (in the stand-in kernel's set)") || !strings.HasPrefix(f.Lands, "VNET(x) in vnet0 touches data block + ") {
			t.Errorf("stand-in kernel: lands %q", f.Lands)
		}
	}
}

// standIn loads modules of config without a kernel.
func standIn(t *testing.T, config string, modules ...string) *linker.Linker {
	t.Helper()
	l, err := linker.New(linker.Options{ModulePath: []string{dir(t, config)}})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range modules {
		paths = append(paths, filepath.Join(dir(t, config), m))
	}
	if err := l.LoadAll(paths); err != nil {
		t.Fatal(err)
	}
	return l
}

// An address inside the master set names the variable occupying it: the
// kernel's own (its symbol table), a module's (the module's symbol table,
// at its module-space allocation), free module space, the block's tail
// past the set, or memory before the block.
func TestLandsInsideMasterSet(t *testing.T) {
	for _, config := range []string{"i386", "arm64", "powerpc64"} {
		kernel := captured(t, config, "kernel")
		owner := captured(t, config, "vnet_owner.ko")
		// vnet_owner.ko alone: each of its sets is the first allocation, at
		// the start of the kernel's modspace array.
		l := simulate(t, config, "freebsd-14", "vnet_owner.ko")
		checked := 0
		for _, set := range []string{"set_vnet", "set_pcpu"} {
			m := master(t, kernel, set)
			k := vnet
			if set == "set_pcpu" {
				k = dpcpu
			}
			modspace := kernel[m.prefix+"modspace"]
			expect := func(addr uint64, tail string) {
				t.Helper()
				off := int64(addr - m.start)
				sign := "+"
				if off < 0 {
					sign, off = "-", -off
				}
				want := fmt.Sprintf("%s(v) %s touches data block %s %#x, %s", m.macro, m.where, sign, off, tail)
				if got := l.LandsLine(k, m.prefix+"v", addr); got != want {
					t.Errorf("%s: %#x lands\n  %q\nwant\n  %q", config, addr, got, want)
				}
				checked++
			}
			// The kernel's own variables, in the middle of each.
			for name, s := range kernel {
				if strings.HasPrefix(name, m.prefix) && name != m.prefix+"modspace" && s.Size > 1 && s.Value >= m.start && s.Value < m.stop {
					expect(s.Value+s.Size/2, fmt.Sprintf("inside %s+%#x of the kernel", name, s.Size/2))
				}
			}
			// vnet_owner.ko's variables, where its allocation put them.
			secAddr := sectionAddr(t, config, "vnet_owner.ko", set)
			for name, s := range owner {
				if strings.HasPrefix(name, m.prefix) && s.Size > 0 {
					at := modspace.Value + s.Value - secAddr
					expect(at, "inside "+name+" of vnet_owner.ko")
					if s.Size > 1 {
						expect(at+s.Size-1, fmt.Sprintf("inside %s+%#x of vnet_owner.ko", name, s.Size-1))
					}
				}
			}
			not := "not a " + m.macro + " variable"
			expect(modspace.Value+modspace.Size-8, "inside module space no loaded module was given: "+not+" yet")
			expect(m.start-0x40, "before the block: kernel memory that is "+not)
			if m.block() > m.stop-m.start {
				expect(m.stop, fmt.Sprintf("in the block's tail past the %#x bytes of the set: %s", m.stop-m.start, not))
			}
			expect(m.start+m.block(), fmt.Sprintf("past the end of the %#x-byte block: kernel memory that is %s", m.block(), not))
		}
		if checked < 10 {
			t.Errorf("%s: only %d places checked", config, checked)
		}
	}
}

// Without a kernel, the stand-in's master set holds a 64-byte slot for each
// variable it was taken to define, in the order the modules named them
// (nodep.ko reads vnet_owner.ko's vnet_entry_owner_enable and declares no
// dependency, so the stand-in defines it), then module space.
func TestLandsStandIn(t *testing.T) {
	l := standIn(t, "arm64", "nodep.ko")
	sp := l.Spaces[vnet]
	for _, c := range []struct {
		addr uint64
		want string
	}{
		{sp.Start + 4, "VNET(v) in vnet0 touches data block + 0x4, inside vnet_entry_owner_enable+0x4 of the stand-in kernel (in the stand-in kernel's set)"},
		{sp.Start + 0x100, "VNET(v) in vnet0 touches data block + 0x100, inside the stand-in kernel's part of the set, where no variable a module named lies (in the stand-in kernel's set)"},
		{sp.ModStart, fmt.Sprintf("VNET(v) in vnet0 touches data block + %#x, inside module space no loaded module was given: not a VNET variable yet (in the stand-in kernel's set)", sp.ModStart-sp.Start)},
	} {
		if got := l.LandsLine(vnet, "vnet_entry_v", c.addr); got != c.want {
			t.Errorf("%#x lands\n  %q\nwant\n  %q", c.addr, got, c.want)
		}
	}
}
