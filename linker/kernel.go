package linker

import (
	"fmt"
	"strings"

	"github.com/kldcheck/kldcheck/arch"
	"github.com/kldcheck/kldcheck/kobj"
	"github.com/kldcheck/kldcheck/rules"
	"github.com/kldcheck/kldcheck/vdata"
)

// bootKernel links the kernel file: its symbols are final, its set_pcpu and
// set_vnet are the master sets, and its modspace arrays are module space
// (sys/kern/subr_pcpu.c dpcpu_startup, sys/net/vnet.c vnet_data_startup).
func (l *Linker) bootKernel(k *kobj.File) error {
	l.Arch = k.Arch
	f := &File{Obj: k, Name: "kernel", l: l, Loaded: true, Sets: map[vdata.Kind]*SetWindow{}}
	l.Kernel = f
	l.Files = append(l.Files, f)
	var end uint64
	for _, s := range k.Sections {
		if s.Alloc() {
			end = max(end, s.Addr+s.Size)
		}
	}
	f.Address = lowestAlloc(k)
	f.Size = end - f.Address
	l.nextBase = alignUp(end, 2<<20)
	for _, kind := range vdata.Kinds {
		set := k.Set(kind.SetName())
		if set == nil {
			continue // VNET without options VIMAGE: parse_vnet is not compiled in
		}
		start, stop := set.Addr(), set.Addr()+set.Size()
		if set.HasBounds {
			start, stop = set.Start, set.Stop
		}
		modStart, modSize := stop-min(stop-start, l.modMin(kind)), min(stop-start, l.modMin(kind))
		if ms, ok := k.Lookup(kind.ModspaceSymbol()); ok {
			modStart, modSize = ms.Addr, ms.Size
		} else {
			l.Notes = append(l.Notes, fmt.Sprintf("%s: no %s symbol; assuming the last %d bytes of %s are module space",
				k.Path, kind.ModspaceSymbol(), modSize, kind.SetName()))
		}
		sp, err := vdata.NewSpace(kind, start, stop, modStart, modSize, k.Arch.PtrSize)
		if err != nil {
			return &kobj.Error{Path: k.Path, Msg: err.Error()}
		}
		l.Spaces[kind] = sp
		f.Sets[kind] = &SetWindow{Kind: kind, Section: set.Section, Start: start, Stop: stop, Base: start, Size: stop - start}
	}
	for _, m := range k.Metadata {
		if m.Type == kobj.MDTVersion && l.lookupModule(m.Name, m.ModVersion, m.ModVersion, m.ModVersion, false) == nil {
			l.modules = append(l.modules, modEntry{m.Name, m.ModVersion, f})
		}
	}
	// linker_init_kernel_modules: the kernel's own DECLARE_MODULEs are
	// registered at boot (SI_SUB_KLD); a module file declaring one of them
	// cannot be loaded.
	for _, m := range k.Metadata {
		if m.Type == kobj.MDTModule && l.registered[m.Name] == nil {
			l.register(m.Name, f)
		}
	}
	return nil
}

func (l *Linker) modMin(k vdata.Kind) uint64 {
	if k == vdata.VNET {
		return l.Profile.VNETModMin
	}
	return l.Profile.DPCPUModMin
}

func lowestAlloc(k *kobj.File) uint64 {
	low := ^uint64(0)
	for _, s := range k.Sections {
		if s.Alloc() && s.Size > 0 {
			low = min(low, s.Addr)
		}
	}
	if low == ^uint64(0) {
		return 0
	}
	return low
}

// Synthetic kernel layout, used without --kernel: a kernel at the usual
// KERNBASE of the word size, its master sets each holding a page of the
// kernel's own variables followed by module space sized by the profile.
const (
	synthKernBase64 = 0xffffffff80200000
	synthKernBase32 = 0xc0200000
)

// bootSynthetic stands in for a kernel that defines every symbol the modules
// do not define themselves.
func (l *Linker) bootSynthetic(a *arch.Arch) {
	l.Arch = a
	l.synthetic = true
	base := uint64(synthKernBase64)
	if a.PtrSize == 4 {
		base = synthKernBase32
	}
	addr := base + 0x1000000
	for _, kind := range vdata.Kinds {
		size := 0x1000 + l.modMin(kind)
		sp, _ := vdata.NewSpace(kind, addr, addr+size, addr+0x1000, l.modMin(kind), a.PtrSize)
		l.Spaces[kind] = sp
		addr = alignUp(addr+size, 0x100000)
	}
	l.synthNext = map[vdata.Kind]uint64{vdata.DPCPU: l.Spaces[vdata.DPCPU].Start, vdata.VNET: l.Spaces[vdata.VNET].Start}
	l.synthText = base
	l.synthSyms = map[string]uint64{}
	l.nextBase = alignUp(addr, 2<<20)
	l.report(rules.New(rules.NoKernel, "", "no kernel given: symbols the modules do not define are taken to be the kernel's, module space is the %s profile's (VNET %d bytes, DPCPU %d bytes)",
		l.Profile.Name, l.Profile.VNETModMin, l.Profile.DPCPUModMin))
}

// syntheticSymbol gives a symbol of the stand-in kernel an address: a
// vnet_entry_/pcpu_entry_ variable one in the kernel's part of the master set,
// anything else one in its text.
func (l *Linker) syntheticSymbol(name string) uint64 {
	if a, ok := l.synthSyms[name]; ok {
		return a
	}
	var a uint64
	switch {
	case strings.HasPrefix(name, vdata.VNET.SymPrefix()):
		a = l.synthNext[vdata.VNET]
		l.synthNext[vdata.VNET] += 64
	case strings.HasPrefix(name, vdata.DPCPU.SymPrefix()):
		a = l.synthNext[vdata.DPCPU]
		l.synthNext[vdata.DPCPU] += 64
	default:
		l.synthText += 16
		a = l.synthText
	}
	l.synthSyms[name] = a
	l.Assumed = append(l.Assumed, name)
	return a
}

func alignUp(a, al uint64) uint64 { return (a + al - 1) &^ (al - 1) }
