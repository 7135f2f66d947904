// Package profile holds the behaviour of the FreeBSD kernel linker that changed
// between releases, as data: one Profile per release where something kldcheck
// models changed. Code asks a profile what to do; it never compares versions.
package profile

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Profile is the kernel-linker behaviour of one FreeBSD release line.
type Profile struct {
	// Name is how users select it: freebsd-8.2, freebsd-14, ...
	Name string
	// OSRelDate is the first __FreeBSD_version the profile applies to; a
	// kernel's osreldate selects the newest profile at or below it.
	OSRelDate int
	// Summary says in a line what sets this release apart.
	Summary string

	// CrossModuleSets: link_elf.c's elf_lookup redirects a symbol found in
	// another loaded module's set_pcpu/set_vnet range to that module's module
	// space (elf_set_find over set_pcpu_list/set_vnet_list). Absent before the
	// 2011 fix for the 2011 ipfw_nat report (not in releng/8.3; in 9.x and later).
	CrossModuleSets bool
	// VNETModMin and DPCPUModMin are the sizes of the module space the kernel
	// reserves inside its master set_vnet and set_pcpu (VNET_MODMIN in
	// sys/net/vnet.c, DPCPU_MODMIN in sys/sys/pcpu.h). Used when no kernel file
	// is given; a kernel's own modspace arrays are measured instead.
	VNETModMin, DPCPUModMin uint64
	// SetSizeInPointers: parse_dpcpu/parse_vnet size a module's set as a count
	// of pointers, dropping a trailing partial pointer (releases before 2019's
	// r348808); later releases take the size in bytes.
	SetSizeInPointers bool
	// ReportsNoSpace: the kernel prints "<func>: vnet module space is out of
	// space; cannot allocate <n> for <file>" (and the pcpu equivalent) before
	// failing with ENOSPC; older kernels fail silently.
	ReportsNoSpace bool
	// LeakLocals: symbol lookup by name falls back to the full symbol table
	// and accepts local symbols (unconditional in old releases; the
	// debug.link_elf_leak_locals and debug.link_elf_obj_leak_locals sysctls,
	// default on, in FreeBSD 14 and later).
	LeakLocals bool
	// I386SetPadding: link_elf.c on i386 requires the 4-byte 0x90909090 pad
	// sys/conf/ldscript.kmod.i386 appends to set_pcpu and set_vnet (r348808).
	I386SetPadding bool
	// ObjVNETPropagated: link_elf_obj.c (amd64) copies a module's set_vnet,
	// relocated in place in module space, into every vnet after the load
	// (link_elf_propagate_vnets, called through LINKER_PROPAGATE_VNETS from
	// kern_linker.c linker_load_file), so address-valued initialisers of its
	// VNET variables survive. Before, vnet_data_copy ran as the section was
	// read, before relocation: the vnets existing at load time (vnet0 among
	// them) kept the unrelocated bytes. link_elf.c (every other
	// architecture) and link_elf_obj.c's DPCPU copy (dpcpu_copy) still run
	// before relocation in every release read.
	ObjVNETPropagated bool
	// Relocs lists, per architecture, relocation types the kernel linker of
	// this release does not accept although the newest one does, by debug/elf
	// name.
	Unsupported map[string][]string
}

// all profiles, oldest first. Sources are named per field; each entry names
// the tree it was checked in.
var all = []*Profile{
	{
		// releng/8.3 sys/kern/link_elf.c (freebsd-src 039ea811): elf_lookup
		// returns the owner's image address unchanged; 8.x vnet.c: VNET_MODMIN
		// 8192; amd64 elf_machdep.c has neither PLT32 nor IRELATIVE; i386 has
		// neither JMP_SLOT nor IRELATIVE.
		Name: "freebsd-8.2", OSRelDate: 802000,
		Summary:           "before the 2011 fix: a module's references to another module's VNET/DPCPU variables are not redirected (the 2011 ipfw_nat.ko and V_layer3_chain report)",
		CrossModuleSets:   false,
		VNETModMin:        8192,
		DPCPUModMin:       2048,
		SetSizeInPointers: true,
		LeakLocals:        true,
		Unsupported: map[string][]string{
			"amd64": {"R_X86_64_PLT32", "R_X86_64_IRELATIVE"},
			"i386":  {"R_386_JMP_SLOT", "R_386_IRELATIVE"},
		},
	},
	{
		// FreeBSD 9.3 link_elf.c: elf_set_add/elf_set_find present; VNET_MODMIN
		// still 8192 (10.4 vnet.c).
		Name: "freebsd-9.0", OSRelDate: 900044,
		Summary:           "the cross-module set fix (elf_set_find) is in; VNET module space still 8 KiB",
		CrossModuleSets:   true,
		VNETModMin:        8192,
		DPCPUModMin:       2048,
		SetSizeInPointers: true,
		LeakLocals:        true,
		Unsupported: map[string][]string{
			"amd64": {"R_X86_64_PLT32", "R_X86_64_IRELATIVE"},
		},
	},
	{
		// 12.1-STABLE (Tesseract snapshot): vnet.c VNET_MODMIN (8 * PAGE_SIZE);
		// link_elf.c sizes sets in bytes and prints the out-of-space messages;
		// amd64 elf_machdep.c accepts PLT32; i386 elf_machdep.c elf_reloc_internal
		// has no case for R_386_JMP_SLOT ("unexpected relocation type"), which
		// 15-CURRENT's handles with GLOB_DAT.
		Name: "freebsd-12.1", OSRelDate: 1201000,
		Summary:         "VNET module space 8 pages (32 KiB); set sizes in bytes; out-of-space messages",
		CrossModuleSets: true,
		VNETModMin:      8 * 4096,
		DPCPUModMin:     2048,
		ReportsNoSpace:  true,
		LeakLocals:      true,
		Unsupported: map[string][]string{
			"i386": {"R_386_JMP_SLOT"},
		},
	},
	{
		// 15-CURRENT (Irid snapshot) link_elf.c: LS_PADDING checks on i386,
		// debug.link_elf_leak_locals (default true); link_elf_obj.c
		// link_elf_propagate_vnets (12.1-STABLE's link_elf_obj.c has none:
		// vnet_data_copy as the section is read). 14.x itself not read.
		Name: "freebsd-14", OSRelDate: 1400000,
		Summary:         "today's linker: i386 set padding checked; leak_locals sysctls (default on)",
		CrossModuleSets: true,
		VNETModMin:      8 * 4096,
		DPCPUModMin:     2048,
		ReportsNoSpace:  true,
		LeakLocals:      true,
		I386SetPadding:  true,

		ObjVNETPropagated: true,
	},
}

// All returns every profile, oldest first.
func All() []*Profile { return append([]*Profile(nil), all...) }

// Newest returns the profile of the newest release.
func Newest() *Profile { return all[len(all)-1] }

// ByName returns the profile with exactly this name.
func ByName(name string) (*Profile, error) {
	for _, p := range all {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("unknown profile %q (%s)", name, known())
}

func known() string {
	names := make([]string, len(all))
	for i, p := range all {
		names[i] = p.Name
	}
	return "known: " + strings.Join(names, ", ") + ", or a release such as 13, 13.2, freebsd-15, 14.1-RELEASE"
}

// Release is a FreeBSD release as users name it, and the profile that
// governs its kernel linker.
type Release struct {
	Major, Minor int
	// OSRelDate stands for the release: the last __FreeBSD_version of its
	// minor line (major*100000 + minor*1000 + 999), since X.Y-RELEASE is
	// not X0Y000 (9.0-RELEASE is 900044, 14.0-RELEASE 1400097).
	OSRelDate int
	Profile   *Profile
}

// String spells the release, as FreeBSD 13.2.
func (r Release) String() string { return fmt.Sprintf("FreeBSD %d.%d", r.Major, r.Minor) }

// Resolve reads a --profile argument: a profile's own name, or a release
// as users name it (15, 13.2, freebsd-13, FreeBSD-14.1-RELEASE,
// 15.0-CURRENT), which selects the newest profile not later than that
// release. The Release is zero when a profile was named exactly.
func Resolve(arg string) (*Profile, Release, error) {
	if p, err := ByName(arg); err == nil {
		return p, Release{}, nil
	}
	m := reRelease.FindStringSubmatch(strings.ToLower(strings.TrimSpace(arg)))
	if m == nil {
		return nil, Release{}, fmt.Errorf("unknown profile %q (%s)", arg, known())
	}
	major, _ := strconv.Atoi(m[1])
	minor := 0
	if m[2] != "" {
		minor, _ = strconv.Atoi(m[2])
	}
	if major < oldestMajor || major > newestMajor || minor > 99 {
		return nil, Release{}, fmt.Errorf("unknown profile %q: kldcheck knows FreeBSD %d to %d (%s)", arg, oldestMajor, newestMajor, known())
	}
	r := Release{Major: major, Minor: minor, OSRelDate: major*100000 + minor*1000 + 999}
	r.Profile = ForOSRelDate(r.OSRelDate)
	return r.Profile, r, nil
}

// The release lines kldcheck models: from the first with VNET module space
// (8.x) to the current one.
const (
	oldestMajor = 8
	newestMajor = 15
)

var reRelease = regexp.MustCompile(`^(?:freebsd[- ]?)?(\d+)(?:\.(\d+))?(?:-(?:release|stable|current|beta\d*|rc\d*|alpha\d*)(?:-p\d+)?)?$`)

// ForKernel returns the profile of a kernel of that osreldate, the newest
// when it is unknown (0).
func ForKernel(osreldate int) *Profile {
	if osreldate == 0 {
		return Newest()
	}
	return ForOSRelDate(osreldate)
}

// ForOSRelDate returns the newest profile whose OSRelDate is not later than
// osreldate (the oldest for anything older).
func ForOSRelDate(osreldate int) *Profile {
	i := sort.Search(len(all), func(i int) bool { return all[i].OSRelDate > osreldate })
	if i == 0 {
		return all[0]
	}
	return all[i-1]
}

// Accepts reports whether the kernel linker of this release accepts a
// relocation type that the newest one accepts, on architecture archName.
func (p *Profile) Accepts(archName, relocName string) bool {
	for _, n := range p.Unsupported[archName] {
		if n == relocName {
			return false
		}
	}
	return true
}

// End is the first __FreeBSD_version the next profile governs (max int for
// the newest): the profile applies to [OSRelDate, End).
func (p *Profile) End() int {
	for i, q := range all {
		if q == p && i+1 < len(all) {
			return all[i+1].OSRelDate
		}
	}
	return int(^uint(0) >> 1)
}
