// Package vdata models FreeBSD's per-instance data: the kernel's master
// set_vnet (VNET_DEFINE, one copy per virtual network stack) and set_pcpu
// (DPCPU_DEFINE, one copy per CPU), and the spare room inside them, module
// space, that the kernel hands out to modules' sets as they load.
package vdata

import (
	"fmt"
	"sort"
)

// Kind is the kind of per-instance data.
type Kind int

// Kinds of per-instance data.
const (
	DPCPU Kind = iota // set_pcpu, pcpu_entry_* (sys/sys/pcpu.h)
	VNET              // set_vnet, vnet_entry_* (sys/net/vnet.h)
)

// Kinds lists both kinds in the order the kernel linker allocates them
// (parse_dpcpu before parse_vnet in link_elf.c).
var Kinds = []Kind{DPCPU, VNET}

// SetName is the linker set section: set_pcpu or set_vnet.
func (k Kind) SetName() string {
	if k == VNET {
		return "set_vnet"
	}
	return "set_pcpu"
}

// SymPrefix is the prefix of variable names in the set.
func (k Kind) SymPrefix() string {
	if k == VNET {
		return "vnet_entry_"
	}
	return "pcpu_entry_"
}

// ModspaceSymbol is the kernel's module-space array (modspace[] in
// sys/net/vnet.c and sys/kern/subr_pcpu.c).
func (k Kind) ModspaceSymbol() string { return k.SymPrefix() + "modspace" }

func (k Kind) String() string {
	if k == VNET {
		return "VNET"
	}
	return "DPCPU"
}

// Alloc is one allocation in module space.
type Alloc struct {
	Owner string // the file the space was given to
	Addr  uint64
	Size  uint64 // as allocated (rounded to the pointer size)
}

// Space is the kernel's master set of one kind and its module-space
// allocator.
type Space struct {
	Kind Kind
	// Start and Stop bound the kernel's master set (VNET_START/VNET_STOP,
	// DPCPU_START/DPCPU_STOP).
	Start, Stop uint64
	// ModStart and ModSize locate the module-space array inside the set.
	ModStart, ModSize uint64
	ptrSize           uint64
	free              []extent // address-sorted free list
	allocs            []Alloc
}

type extent struct{ start, size uint64 }

// NewSpace returns a master set [start, stop) whose module space is the
// modSize bytes at modStart, all free, as vnet_data_startup and dpcpu_startup
// leave it (one free-list entry covering modspace).
func NewSpace(k Kind, start, stop, modStart, modSize uint64, ptrSize int) (*Space, error) {
	if modStart < start || modStart+modSize > stop {
		return nil, fmt.Errorf("%v module space [%#x, %#x) lies outside the master set [%#x, %#x)", k, modStart, modStart+modSize, start, stop)
	}
	return &Space{Kind: k, Start: start, Stop: stop, ModStart: modStart, ModSize: modSize,
		ptrSize: uint64(ptrSize), free: []extent{{modStart, modSize}}}, nil
}

// Alloc gives owner size bytes of module space, as vnet_data_alloc and
// dpcpu_alloc do (sys/net/vnet.c, sys/kern/subr_pcpu.c, FreeBSD 14): the size
// is rounded up to the pointer size and carved from the front of the first
// free extent large enough. It returns false when no extent is.
func (s *Space) Alloc(owner string, size uint64) (uint64, bool) {
	size = (size + s.ptrSize - 1) &^ (s.ptrSize - 1)
	for i, e := range s.free {
		if e.size < size {
			continue
		}
		addr := e.start
		if e.size == size {
			s.free = append(s.free[:i], s.free[i+1:]...)
		} else {
			s.free[i] = extent{e.start + size, e.size - size}
		}
		s.allocs = append(s.allocs, Alloc{Owner: owner, Addr: addr, Size: size})
		return addr, true
	}
	return 0, false
}

// Free returns an allocation to the free list, merging neighbours, as
// vnet_data_free and dpcpu_free do when a module is unloaded (or its load
// fails after the allocation).
func (s *Space) Free(addr uint64) {
	for i, a := range s.allocs {
		if a.Addr != addr {
			continue
		}
		s.allocs = append(s.allocs[:i], s.allocs[i+1:]...)
		s.free = append(s.free, extent{a.Addr, a.Size})
		sort.Slice(s.free, func(i, j int) bool { return s.free[i].start < s.free[j].start })
		merged := s.free[:1]
		for _, e := range s.free[1:] {
			last := &merged[len(merged)-1]
			if last.start+last.size == e.start {
				last.size += e.size
			} else {
				merged = append(merged, e)
			}
		}
		s.free = merged
		return
	}
}

// Allocs returns the allocations in address order.
func (s *Space) Allocs() []Alloc {
	out := append([]Alloc(nil), s.allocs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}

// FreeBytes returns the module space still free.
func (s *Space) FreeBytes() uint64 {
	var n uint64
	for _, e := range s.free {
		n += e.size
	}
	return n
}

// LargestFree returns the largest free extent, the most one allocation can
// get.
func (s *Space) LargestFree() uint64 {
	var n uint64
	for _, e := range s.free {
		n = max(n, e.size)
	}
	return n
}

// InMaster reports whether address a lies in the kernel's master set.
func (s *Space) InMaster(a uint64) bool { return a >= s.Start && a < s.Stop }
