// Package rules is kldcheck's catalogue of findings: each rule's id,
// severity, what happens in the kernel, where the knowledge comes from and how
// to fix it, and the Finding type every check produces.
package rules

import "fmt"

// Severity of a finding.
type Severity int

// Severities, in increasing order.
const (
	Note Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Note:
		return "note"
	case Warning:
		return "warning"
	}
	return "error"
}

// ParseSeverity reads a severity name.
func ParseSeverity(s string) (Severity, error) {
	for _, v := range []Severity{Note, Warning, Error} {
		if v.String() == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want note, warning or error)", s)
}

// Rule describes one kind of finding.
type Rule struct {
	ID       string
	Severity Severity
	// Summary is a one-line description.
	Summary string
	// Kernel says what the kernel does when the problem is real.
	Kernel string
	// Source names the report, errata notice or code this rule comes from.
	Source string
	// Fix says how to fix it.
	Fix string
}

// Rule ids.
const (
	SetRefUnrelocated     = "set-ref-unrelocated"
	UndefinedSymbol       = "undefined-symbol"
	UnsupportedRelocation = "unsupported-relocation"
	ModspaceExhausted     = "modspace-exhausted"
	MissingDependency     = "missing-dependency"
	VersionMismatch       = "version-mismatch"
	SetPadding            = "set-padding"
	SetBoundsMissing      = "set-bounds-missing"
	DuplicateModule       = "duplicate-module"
	UnsupportedFormat     = "unsupported-format"
	UndeclaredDependency  = "undeclared-dependency"
	DependencyCycle       = "dependency-cycle"
	SetRefPCRel           = "set-ref-pcrel"
	UserMapPmapEnter      = "user-map-pmap-enter"
	BadFile               = "bad-file"
	NoKernel              = "no-kernel"
	CheckNotRun           = "check-not-run"
	KernelDependency      = "kernel-dependency"
	ModuleConflict        = "module-conflict"
	LoadStopped           = "load-stopped"
	ModuleNotFound        = "module-not-found"
	ForeignArch           = "foreign-arch"
	SetInitLost           = "set-init-lost"
	SetRefPastEnd         = "set-ref-past-end"
	UnresolvedSlot        = "unresolved-slot"
	MissingHashTable      = "missing-hash-table"
	BranchOutOfRange      = "branch-out-of-range"
)

var catalogue = []Rule{
	{
		ID: SetRefUnrelocated, Severity: Error,
		Summary: "a reference to a VNET or DPCPU variable does not reach the variable's copy in the kernel's master set",
		Kernel: "code computes instance base + the variable's address in the module's own image instead of its " +
			"address in module space: it reads another vnet's or CPU's memory, or faults (\"Fatal trap 12: page fault\" at kldload)",
		Source: "the 2011 freebsd-net thread on ipfw_nat.ko and V_layer3_chain; sys/kern/link_elf.c elf_relocaddr, elf_lookup, elf_set_find",
		Fix: "load on a kernel with the cross-module set fix (FreeBSD 9.0 and later), or reach the variable through a " +
			"function of the owning module; keep references to set variables in relocations the kernel linker redirects",
	},
	{
		ID: SetRefPCRel, Severity: Error,
		Summary: "code computes the address of a VNET or DPCPU variable PC-relatively, with no relocation the kernel linker can redirect",
		Kernel: "the code reaches the module image's own copy of the set instead of module space: another vnet's or CPU's " +
			"memory, or a fault; arm64 modules such as if_wg.ko panicked on FreeBSD 13.2",
		Source: "FreeBSD-EN-23:08.vnet (lld 14 relaxes adrp+ldr GOT loads into adr / adrp+add); PR 264094; " +
			"static VNET_DEFINE/DPCPU_DEFINE on arm64, riscv and powerpc64 (sys/net/vnet.h, sys/sys/pcpu.h)",
		Fix: "link arm64 modules with --no-relax as sys/conf/kmod.mk does since 13.2 (and powerpc64 with --no-toc-optimize); " +
			"use VNET_DEFINE_STATIC/DPCPU_DEFINE_STATIC rather than static VNET_DEFINE, so the variable is reached through the GOT",
	},
	{
		ID: UserMapPmapEnter, Severity: Warning,
		Summary: "a function creates a map entry with vm_map_find and no VM object, then enters pages into it with pmap_enter",
		Kernel: "on a user map, the pmap may be destroyed and rebuilt from the map entries and their objects: the pages vanish, " +
			"and entering invalid pages panics (\"panic: vm_page_dirty: page is invalid!\")",
		Source: "the VirtualBox pmap_enter report (rtR0MemObjNativeMapUser, freebsd-emulation, May 2011)",
		Fix: "back the mapping with a VM object that holds the pages (vm_pager_allocate(OBJT_PHYS, ...) or OBJT_SG, " +
			"OBJT_MGTDEVICE, or a device pager through d_mmap_single/cdev_pager_allocate), map it with vm_map_find(map, object, ...) " +
			"and let faults fill the pmap; never map pages whose valid bits are clear",
	},
	{
		ID: UndefinedSymbol, Severity: Error,
		Summary: "a symbol the module needs is defined by neither the module, its dependencies nor the kernel",
		Kernel:  "kldload fails: \"link_elf: symbol X undefined\" (link_elf_obj: on amd64), ENOENT",
		Source:  "sys/kern/link_elf.c relocate_file, sys/kern/link_elf_obj.c relocate_file, sys/kern/kern_linker.c linker_file_lookup_symbol",
		Fix:     "build the module against the kernel it will run on, add the MODULE_DEPEND on the module that defines the symbol, or stop using the symbol",
	},
	{
		ID: UnsupportedRelocation, Severity: Error,
		Summary: "the module holds a relocation type this architecture's kernel linker rejects",
		Kernel: "kldload fails: \"kldload: unexpected relocation type N, symbol index M\" then \"link_elf: symbol X undefined\"; " +
			"before 13.x, amd64's link_elf_obj.c ignores the failure of a relocation against a local symbol and loads the module " +
			"with the place unrelocated",
		Source: "sys/<arch>/<arch>/elf_machdep.c elf_reloc_internal; e.g. R_X86_64_REX_GOTPCRELX against __stack_chk_guard " +
			"from a stock LLVM before 19 with -fstack-protector (llvm-project#50932; FreeBSD's own clang is patched, 9a4d48a645a7a)",
		Fix: "build with the toolchain and flags sys/conf/kmod.mk uses for that release (FreeBSD's clang, or LLVM 19 and later; " +
			"-mcmodel=kernel on amd64, -fPIC elsewhere), or drop the flag that brings the relocation in",
	},
	{
		ID: ModspaceExhausted, Severity: Error,
		Summary: "the module's set_vnet or set_pcpu does not fit in the module space left in the kernel's master set",
		Kernel: "kldload fails with ENOSPC; newer kernels first print \"F: vnet module space is out of space; cannot allocate N for FILE\" " +
			"(or \"pcpu module space\" for set_pcpu), where F is parse_vnet or parse_dpcpu (link_elf.c) or link_elf_load_file (link_elf_obj.c, amd64)",
		Source: "sys/net/vnet.c vnet_data_alloc (VNET_MODMIN), sys/kern/subr_pcpu.c dpcpu_alloc (DPCPU_MODMIN); PR 206583",
		Fix:    "allocate large per-vnet or per-CPU data dynamically (malloc in a VNET_SYSINIT, or the counter(9)/dpcpu_alloc interfaces) instead of defining it in the set",
	},
	{
		ID: UndeclaredDependency, Severity: Error,
		Summary: "a symbol the module needs is defined only by a module it does not MODULE_DEPEND on",
		Kernel: "the kernel looks symbols up in the module and its declared dependencies only (kern_linker.c " +
			"linker_file_lookup_symbol): kldload fails with \"link_elf: symbol X undefined\" even when the defining module is loaded",
		Source: "sys/kern/kern_linker.c linker_file_lookup_symbol, linker_load_dependencies",
		Fix:    "add MODULE_DEPEND(this, owner, min, preferred, max) naming the module that defines the symbol (and MODULE_VERSION in that module)",
	},
	{
		ID: MissingDependency, Severity: Error,
		Summary: "a MODULE_DEPEND names a module that is neither loaded nor found in the module path",
		Kernel:  "kldload fails: \"KLD X.ko: depends on Y - not available or version mismatch\"",
		Source:  "sys/kern/kern_linker.c linker_load_dependencies",
		Fix:     "install the module depended on in the module path (kern.module_path, -p), or load it first",
	},
	{
		ID: SetInitLost, Severity: Error,
		Summary: "a relocation patches a word inside the module's own set_vnet or set_pcpu, which the kernel copies to the instances before it relocates: the initialiser is lost",
		Kernel: "every vnet (or CPU) holds the unrelocated bytes of an address-valued initialiser (NULL with RELA, the link-time value with REL): " +
			"the first use dereferences it (\"Fatal trap 12: page fault\")",
		Source: "sys/kern/link_elf.c parse_vnet, parse_dpcpu (copy before link_elf_reloc_local/relocate_file); " +
			"sys/kern/link_elf_obj.c dpcpu_copy and (before link_elf_propagate_vnets) vnet_data_copy as the section is read",
		Fix: "assign the address at run time (in the MOD_LOAD handler or a VNET_SYSINIT) instead of initialising the VNET_DEFINE/DPCPU_DEFINE variable with it",
	},
	{
		ID: SetRefPastEnd, Severity: Warning,
		Summary: "a RELATIVE relocation points exactly at the end of the module's own set_vnet or set_pcpu (one past its last variable), which elf_relocaddr does not move",
		Kernel: "the pointer stays in the module's image while the variables moved to module space: a loop or bound computed from it " +
			"runs past the module's copy (the carp.ko and ipsec.ko panics of PRs 230857 and 238012)",
		Source: "sys/kern/link_elf.c elf_relocaddr (start <= x < stop); r348808 padded i386 sets against it (sys/conf/ldscript.kmod.i386)",
		Fix: "bound loops by the last element (&a[n - 1]) or by an index, or compute the end at run time from the start plus the size; " +
			"a linker script padding the set, as sys/conf/ldscript.kmod.i386 does, keeps the end inside",
	},
	{
		ID: UnresolvedSlot, Severity: Warning,
		Summary: "a PLT slot's symbol is defined nowhere, and the kernel loads the module anyway with the slot unset",
		Kernel: "powerpc64's elf_reloc ignores the failed lookup of an R_PPC64_JMP_SLOT: kldload succeeds, and the first call " +
			"through the slot jumps to whatever the slot holds (\"Fatal trap\" at the call, not at kldload)",
		Source: "sys/powerpc/powerpc/elf64_machdep.c elf_reloc_internal (R_PPC_JMP_SLOT: the lookup's result is not checked)",
		Fix:    "build against the kernel the module runs on, add the MODULE_DEPEND on the module that defines the symbol, or stop calling it",
	},
	{
		ID: MissingHashTable, Severity: Error,
		Summary: "a shared-object module has no SysV symbol hash table (DT_HASH), only a GNU one",
		Kernel: "link_elf.c knows only DT_HASH: \"link_elf_lookup_symbol: missing symbol hash table\", the module's sets and metadata " +
			"are not found, and elf_lookup rejects every symbol index, so kldload fails at its first symbol-based relocation " +
			"(\"link_elf: symbol X undefined\", ENOENT)",
		Source: "sys/kern/link_elf.c parse_dynamic (nbuckets/nchains come from DT_HASH alone), elf_lookup (symidx >= nchains), link_elf_lookup_symbol",
		Fix:    "link the module as sys/conf/kmod.mk does, without --hash-style=gnu (lld's default, both, writes DT_HASH)",
	},
	{
		ID: BranchOutOfRange, Severity: Error,
		Summary: "a dynamic relocation patches a branch whose target is beyond the reach the kernel linker checks",
		Kernel: "elf_reloc refuses to encode the offset (arm64's reloc_instr_imm silently; riscv64 prints \"kldload: huge offset " +
			"against R_RISCV_JAL\" and refuses every offset), and kldload fails with \"link_elf: symbol X undefined\" (ENOENT) " +
			"although X is defined",
		Source: "sys/arm64/arm64/elf_machdep.c reloc_instr_imm, sys/riscv/riscv/elf_machdep.c elf_reloc_internal (R_RISCV_JAL, R_RISCV_CALL)",
		Fix: "link the module as sys/conf/kmod.mk does: without -z ifunc-noplt (the amd64 kernel's flag), so calls to an ifunc " +
			"go through the PLT and lld leaves no branch relocation for the kernel linker",
	},
	{
		ID: DependencyCycle, Severity: Error,
		Summary: "modules depend on each other in a cycle",
		Kernel: "linker_load_module finds the file of the module depended on already being loaded (EEXIST): " +
			"\"KLD X.ko: depends on Y - not available or version mismatch\"",
		Source: "sys/kern/kern_linker.c linker_load_module, linker_load_dependencies",
		Fix:    "break the cycle: move what both modules need into one of them or a third module both depend on",
	},
	{
		ID: BadFile, Severity: Error,
		Summary: "a file in the scanned tree cannot be read as a kernel module",
		Kernel:  "kldload fails with ENOEXEC or a linker message (\"Unsupported file layout\", \"Unsupported machine\")",
		Source:  "sys/kern/link_elf.c, sys/kern/link_elf_obj.c link_elf_load_file header checks",
		Fix:     "rebuild or reinstall the file; remove files that are not modules from the module path",
	},
	{
		ID: VersionMismatch, Severity: Error,
		Summary: "a MODULE_DEPEND's version range excludes the version of the module found",
		Kernel:  "kldload fails: \"KLD X.ko: depends on Y - not available or version mismatch\"",
		Source:  "sys/kern/kern_linker.c modlist_lookup2, linker_load_dependencies",
		Fix:     "rebuild the module against the version it will run with (for \"kernel\": the running kernel's __FreeBSD_version)",
	},
	{
		ID: SetPadding, Severity: Error,
		Summary: "an i386 module's set_pcpu or set_vnet lacks the padding word sys/conf/ldscript.kmod.i386 adds",
		Kernel:  "kldload fails: \"Kernel module 'X' must be recompiled with linker script\" (ENOEXEC)",
		Source:  "sys/kern/link_elf.c parse_dpcpu/parse_vnet LS_PADDING (r348808, 2019)",
		Fix:     "link the module with sys/conf/ldscript.kmod.i386 as sys/conf/kmod.mk does",
	},
	{
		ID: SetBoundsMissing, Severity: Error,
		Summary: "a shared-object module has a set_vnet or set_pcpu section but no __start_/__stop_ symbols the kernel linker can find",
		Kernel: "link_elf.c finds a module's sets only through __start_set_X/__stop_set_X; without them the set is silently " +
			"never copied to module space and every reference to its variables reaches the wrong memory",
		Source: "sys/kern/link_elf.c parse_dpcpu/parse_vnet, link_elf_lookup_set",
		Fix:    "link the module as sys/conf/kmod.mk does, so the linker defines the set's bounds symbols (FreeBSD's headers force them with __GLOBL)",
	},
	{
		ID: DuplicateModule, Severity: Error,
		Summary: "a module version the file declares is already provided by a loaded file",
		Kernel:  "kldload fails: \"interface X.N already present in the KLD 'Y'!\" (EEXIST)",
		Source:  "sys/kern/kern_linker.c linker_load_dependencies",
		Fix:     "load only one file providing each module; remove the stale copy from the module path",
	},
	{
		ID: UnsupportedFormat, Severity: Error,
		Summary: "the file is not laid out the way this architecture's kernel linker loads modules",
		Kernel:  "kldload fails: \"Object is not dynamically-linked\", \"Too many sections\", \"No sections\" (link_elf.c), or the file is not recognised (ENOEXEC/ENOSYS)",
		Source:  "sys/kern/link_elf.c link_elf_load_file, sys/kern/link_elf_obj.c link_elf_load_file",
		Fix:     "build the module with sys/conf/kmod.mk (bsd.kmod.mk) for the target architecture",
	},
	{
		ID: NoKernel, Severity: Note,
		Summary: "no kernel was given: symbols the modules do not define are taken to be the kernel's",
		Kernel:  "(none)",
		Source:  "kldcheck",
		Fix:     "pass --kernel /boot/kernel/kernel to check symbols, versions and module space against a real kernel",
	},
	{
		ID: CheckNotRun, Severity: Note,
		Summary: "a code check could not run on this file (its architecture or its code is beyond what kldcheck reads): no result is not a clean result",
		Kernel:  "(none)",
		Source:  "kldcheck",
		Fix:     "check the code by hand (llvm-objdump -d) for what the named check looks for, or report the file so the check can learn it",
	},
	{
		ID: KernelDependency, Severity: Note,
		Summary: "no kernel was given and no file of the tree provides a module depended on: it is taken to be built into the kernel",
		Kernel:  "(none): a kernel that has the module compiled in (set_modmetadata_set) satisfies MODULE_DEPEND without loading a file",
		Source:  "sys/kern/kern_linker.c linker_preload (the kernel's own modules registered at boot), linker_load_dependencies",
		Fix:     "pass --kernel (or put the kernel in the scanned directory) to check these dependencies against the modules it really has",
	},
	{
		ID: ModuleConflict, Severity: Warning,
		Summary: "two files each load alone, but declare the same module, so the second refuses to load while the first is loaded",
		Kernel:  "the second kldload fails: \"interface X.N already present in the KLD 'Y'!\" (EEXIST), or (the same module name only) \"module_register: cannot register X from Y; already loaded from Z\" and the module is skipped",
		Source:  "sys/kern/kern_linker.c linker_file_register_modules, linker_load_dependencies; sys/kern/kern_module.c module_register",
		Fix:     "install only one of the two, or make sure they are alternatives (like random_fortuna.ko and random_OTHER.ko) loaded one at a time",
	},
	{
		ID: ModuleNotFound, Severity: Error,
		Summary: "a module asked for (loader.conf, kld_list, kldload) is in no directory of the module path",
		Kernel:  "the loader prints \"can't find 'X'\" and boots without it; kldload(8) fails: \"can't load X: No such file or directory\"",
		Source:  "sys/kern/kern_linker.c kern_kldload, linker_search_kld, linker_search_module; loader.conf(5) module_path",
		Fix:     "install the module in the module path (kern.module_path, module_path in loader.conf, -p), fix the name (X_name), or run kldxref(8) so linker.hints names it",
	},
	{
		ID: ForeignArch, Severity: Warning,
		Summary: "a module of another architecture lies in the scanned tree, where it provides nothing",
		Kernel: "kldxref leaves it out of linker.hints (\"X does not match architecture of Y\"), so no dependency resolves to it through the hints; " +
			"kldload of it, or of its name found as NAME.ko, fails with ENOEXEC (\"Unsupported machine\" / \"Unsupported file layout\")",
		Source: "usr.sbin/kldxref/kldxref.c read_kld (elf_compatible against the first file of the directory); sys/kern/link_elf.c, link_elf_obj.c header checks",
		Fix:    "remove the file from this tree, or install the build of this architecture in its place",
	},
	{
		ID: LoadStopped, Severity: Note,
		Summary: "the simulated load stopped early; what follows is what could be known from the file itself",
		Kernel:  "(none)",
		Source:  "kldcheck",
		Fix:     "fix the error that stopped the load; the file's own findings still need fixing",
	},
}

// All returns the catalogue.
func All() []Rule { return append([]Rule(nil), catalogue...) }

// Lookup returns the rule with the given id.
func Lookup(id string) (Rule, bool) {
	for _, r := range catalogue {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// Finding is one problem found in one file.
type Finding struct {
	Rule     string
	Severity Severity
	File     string // the module (or kernel) file
	Symbol   string // the variable or symbol concerned, if any
	Set      string // the linker set concerned (set_vnet, set_pcpu), if any
	Message  string
	// Where the problem is: a function+offset or section+offset in File, and
	// the relocation, when there is one.
	Location string
	Reloc    string
	// Relocation is Reloc's record, field by field, when there is one.
	Relocation *Relocation
	// Func and Offset are the function (or object, or section) of File
	// holding the problem and the offset in it; Addr is that place's address
	// in File as kobj lays it out (link address; ET_REL: image offset).
	Func    string
	Offset  uint64
	Addr    uint64
	HasAddr bool
	// InCode says the place is in an executable section (an instruction),
	// not data (a GOT slot, a pointer, a set variable).
	InCode bool
	// SourceFile and SourceLine come from DWARF when debug information is
	// available (in File or the file its .gnu_debuglink names).
	SourceFile string
	SourceLine int
	// Owner is the file defining Symbol, when relevant.
	Owner string
	// Expected and Actual are addresses, for set-ref-unrelocated and
	// set-ref-pcrel.
	Expected, Actual uint64
	HasAddrs         bool
	// Lands says, for set-ref-unrelocated and set-ref-pcrel, what VNET(x) or
	// DPCPU(x) then touches in vnet0 or on CPU 0: the offset from the data
	// block and the variable there, or that it is past the set (docs/lands.md).
	Lands string
}

// New returns a finding of rule id with the rule's severity.
func New(id, file, format string, args ...any) Finding {
	r, ok := Lookup(id)
	if !ok {
		panic("rules: unknown rule " + id)
	}
	return Finding{Rule: id, Severity: r.Severity, File: file, Message: fmt.Sprintf(format, args...)}
}

// Relocation is the relocation record a finding is about: where it patches
// (r_offset as the file lays it out), its type as debug/elf names it, its
// symbol (empty for index 0) and its addend (the implicit one of a REL
// record once read).
type Relocation struct {
	Offset uint64
	Type   string
	Symbol string
	Addend int64
}
