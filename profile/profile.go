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

// Profile is the kernel-linker behaviour of one FreeBSD release line. Every
// behaviour field has an entry in Sources naming where it was read.
type Profile struct {
	// Name is how users select it: freebsd-8.2, freebsd-14, ...
	Name string
	// OSRelDate is the first __FreeBSD_version the profile applies to; a
	// kernel's osreldate selects the newest profile at or below it.
	OSRelDate int
	// Summary says in a line what sets this release apart.
	Summary string
	// Tree names the source tree the profile was read in: repository,
	// commit and the release it holds.
	Tree string

	// CrossModuleSets: link_elf.c's elf_lookup redirects a symbol found in
	// another loaded module's set_pcpu/set_vnet range to that module's module
	// space (elf_set_find over set_pcpu_list/set_vnet_list). Absent before the
	// 2011 fix for the 2011 ipfw_nat report.
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
	// default on, later).
	LeakLocals bool
	// HashlessFullScan: a lookup by name in a shared object without a SysV
	// hash table (DT_HASH) still scans its full symbol table (the
	// leak_locals path of link_elf_lookup_debug_symbol); before, the lookup
	// stopped at "link_elf_lookup_symbol: missing symbol hash table".
	HashlessFullScan bool
	// WeakUndefinedZero: an undefined weak symbol that nothing defines
	// resolves to 0 and the relocation succeeds, in link_elf.c (elf_lookup)
	// and link_elf_obj.c (elf_obj_lookup). Before, the machine-dependent code
	// failed a zero address and link_elf_obj.c refused every undefined weak
	// symbol ("link_elf_obj: Weak symbols not supported"), even one the
	// kernel defines.
	WeakUndefinedZero bool
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
	// ObjLocalRelocFails: link_elf_obj.c's link_elf_reloc_local fails the
	// load (ENOEXEC, after the machine-dependent message and nothing else)
	// when a relocation against a local symbol fails. Before, it ignored
	// the failure: the load went on with the place unrelocated.
	ObjLocalRelocFails bool
	// RelocMessageSymbolIndex: the machine-dependent "kldload: unexpected
	// relocation type %d" (and "unexpected R_COPY relocation") message
	// ends with ", symbol index %d".
	RelocMessageSymbolIndex bool
	// Unsupported lists, per architecture, relocation types the kernel linker
	// of this release does not accept although the newest one does, by
	// debug/elf name.
	Unsupported map[string][]string

	// Sources names, per field key (see Fields), the file and function of
	// Tree the value was read in, or why it was inferred.
	Sources map[string]string
}

// Field is one behaviour of a profile as `kldcheck profiles` shows it.
type Field struct {
	// Key is the field's JSON name (cross_module_sets, ...).
	Key string
	// Label says in words what the field is.
	Label string
	// Value is a bool, a uint64 or, for unsupported_relocations, a
	// map[string][]string.
	Value any
	// Source is where the value was read (Profile.Sources[Key]).
	Source string
}

// fieldTable lists the behaviour fields in the order kldcheck shows them.
var fieldTable = []struct {
	key, label string
	get        func(*Profile) any
}{
	{"cross_module_sets", "references to another module's set redirected (elf_set_find)", func(p *Profile) any { return p.CrossModuleSets }},
	{"vnet_module_space", "VNET module space in bytes (VNET_MODMIN)", func(p *Profile) any { return p.VNETModMin }},
	{"dpcpu_module_space", "DPCPU module space in bytes (DPCPU_MODMIN)", func(p *Profile) any { return p.DPCPUModMin }},
	{"set_size_in_pointers", "set size counted in pointers (parse_dpcpu/parse_vnet)", func(p *Profile) any { return p.SetSizeInPointers }},
	{"reports_no_space", "out-of-space message printed", func(p *Profile) any { return p.ReportsNoSpace }},
	{"leak_locals", "lookup by name accepts local symbols", func(p *Profile) any { return p.LeakLocals }},
	{"hashless_full_scan", "lookup in a file without DT_HASH scans its symbol table", func(p *Profile) any { return p.HashlessFullScan }},
	{"weak_undefined_zero", "unresolved undefined weak symbol resolves to 0", func(p *Profile) any { return p.WeakUndefinedZero }},
	{"i386_set_padding", "i386 set padding checked (LS_PADDING)", func(p *Profile) any { return p.I386SetPadding }},
	{"obj_vnet_propagated", "amd64 set_vnet copied to vnets after relocation", func(p *Profile) any { return p.ObjVNETPropagated }},
	{"obj_local_reloc_fails", "amd64 failed local relocation fails the load", func(p *Profile) any { return p.ObjLocalRelocFails }},
	{"reloc_message_symbol_index", "\"unexpected relocation type\" names the symbol index", func(p *Profile) any { return p.RelocMessageSymbolIndex }},
	{"unsupported_relocations", "relocation types rejected that the newest release accepts", func(p *Profile) any { return p.Unsupported }},
}

// Fields returns the profile's behaviour fields with their sources, in a
// fixed order.
func (p *Profile) Fields() []Field {
	out := make([]Field, len(fieldTable))
	for i, f := range fieldTable {
		out[i] = Field{Key: f.key, Label: f.label, Value: f.get(p), Source: p.Sources[f.key]}
	}
	return out
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
