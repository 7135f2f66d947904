package linker

import (
	"debug/elf"

	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

// initLost reports whether the kernel linker copies this file's set of kind
// k out to the instances before it relocates the file, so that what a
// relocation writes inside the set reaches no instance. link_elf.c copies
// both sets in parse_vnet/parse_dpcpu, before link_elf_reloc_local and
// relocate_file; link_elf_obj.c reads set_pcpu into module space and calls
// dpcpu_copy at once, and set_vnet likewise with vnet_data_copy until
// link_elf_propagate_vnets copied it after the load
// (Profile.ObjVNETPropagated). Read in sys/kern/link_elf.c and
// link_elf_obj.c of 15-CURRENT (Irid) and 12.1-STABLE (Tesseract).
func (f *File) initLost(k vdata.Kind) bool {
	if f.Obj.Type == elf.ET_REL {
		return k == vdata.DPCPU || !f.l.Profile.ObjVNETPropagated
	}
	return true
}

// checkSetInit reports a relocation about to store v at a place inside one
// of the file's own sets that the kernel has already copied out: the
// instances keep the bytes the place held before.
func (f *File) checkSetInit(rc reloc, v uint64) {
	for _, k := range vdata.Kinds {
		w := f.Sets[k]
		if w == nil || !w.Allocated || rc.place < w.Start || rc.place >= w.Stop || !f.initLost(k) {
			continue
		}
		before, ok := f.read(rc.place, rc.spec.Size)
		if !ok || before == v {
			return
		}
		variable := k.SetName()
		if set := f.Obj.Set(k.SetName()); set != nil {
			variable = f.variableAt(k, set.Addr()+(rc.place-w.Start))
		}
		who, instances := "link_elf.c copies "+k.SetName()+" into module space (parse_"+map[vdata.Kind]string{vdata.VNET: "vnet", vdata.DPCPU: "dpcpu"}[k]+") before it relocates the module", "every "+instanceWord(k)
		if f.Obj.Type == elf.ET_REL {
			who = "link_elf_obj.c copies " + k.SetName() + " to the " + instanceWord(k) + "s (" + map[vdata.Kind]string{vdata.VNET: "vnet_data_copy", vdata.DPCPU: "dpcpu_copy"}[k] + ") as it reads the section, before relocating"
			if k == vdata.VNET {
				instances = "vnet0 and every vnet that exists at load time (vnets made later copy the relocated master)"
			}
		}
		fd := rules.New(rules.SetInitLost, f.Obj.Path,
			"%s writes %#x into %s variable %s, but %s: %s holds %#x instead",
			f.Obj.Arch.RelocName(rc.r.Type), v, k, variable, who, instances, before)
		fd.Symbol, fd.Owner = variable, f.Name
		f.setReloc(&fd, rc.t, rc.r)
		f.locate(&fd, rc.place)
		fd.Expected, fd.Actual, fd.HasAddrs = v, before, true
		f.l.report(fd)
		return
	}
}

// instanceWord names one instance of a set: a vnet, a CPU.
func instanceWord(k vdata.Kind) string {
	if k == vdata.VNET {
		return "vnet"
	}
	return "CPU"
}

// checkPastEnd reports a RELATIVE record of a link_elf.c module whose value
// is the end of one of the module's own allocated sets: elf_relocaddr moves
// only addresses in [start, stop), so such a pointer, meant as the end of
// the set's last variable, stays in the image (or, where another set starts
// there, moves into that set's module space) while the variables moved.
// Only an end that falls where nothing else of the image lies (the padding
// before the next section, the image's end) is reported: an address where
// another section or object starts may as well designate that, a string
// literal following set_pcpu say, and is left alone (link_elf_obj.c binds
// __stop_ symbols to module space, and i386 modules carry r348808's pad
// word, so neither meets this).
func (f *File) checkPastEnd(rc reloc, act uint64) bool {
	if f.Obj.Type != elf.ET_DYN {
		return false
	}
	at := rc.base + rc.addend
	for _, k := range vdata.Kinds {
		w := f.Sets[k]
		if w == nil || !w.Allocated || w.Stop <= w.Start || at != w.Stop || f.occupied(rc.addend) {
			continue
		}
		end := w.Base + (w.Stop - w.Start)
		fd := rules.New(rules.SetRefPastEnd, f.Obj.Path,
			"%s stores the end of %s (%#x, one past its last variable), which elf_relocaddr leaves at %#x: the module's copy of the set ends at %#x",
			f.Obj.Arch.RelocName(rc.r.Type), k.SetName(), at, act, end)
		fd.Symbol, fd.Owner = "__stop_"+k.SetName(), f.Name
		f.setReloc(&fd, rc.t, rc.r)
		f.locate(&fd, rc.place)
		fd.Expected, fd.Actual, fd.HasAddrs = end, act, true
		f.l.report(fd)
		return true
	}
	return false
}

// occupied reports whether link address a lies inside an allocated section
// or is where a function or data object of the file's symbol tables starts.
func (f *File) occupied(a uint64) bool {
	for _, s := range f.Obj.Sections {
		if s.Alloc() && s.Contains(a) {
			return true
		}
	}
	for _, tab := range [][]kobj.Symbol{f.Obj.Symbols, f.Obj.DynSymbols} {
		for i := range tab {
			s := &tab[i]
			if s.Value == a && s.Size > 0 && s.InSection() && (s.Type == elf.STT_OBJECT || s.Type == elf.STT_FUNC) {
				return true
			}
		}
	}
	return false
}
