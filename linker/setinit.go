package linker

import (
	"debug/elf"

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
		fd.Symbol, fd.Owner, fd.Reloc = variable, f.Name, f.Obj.RelocString(rc.t, rc.r)
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
