package profile

// The trees each profile was read in. Files named in Sources are paths of
// that tree; "[inferred]" marks a value not read in the profile's own tree,
// with the reason.
const (
	tree83   = "freebsd/freebsd-src @ 039ea811 (releng/8.3 snapshot, 8.3-RELEASE)"
	tree93   = "dcui/FreeBSD-9.3_kernel @ 80871985 (9.3-RELEASE, __FreeBSD_version 903000)"
	tree104  = "coder03/freebsd10.4 @ 3d3f8b11 (10.4-RELEASE, __FreeBSD_version 1004000)"
	tree120  = "sunrash/freebsd_steroid @ 22ff17ba (12.0-RELEASE, sys/conf/newvers.sh)"
	tree121  = "The-Programming-Foundation/Tesseract @ 496b1989 (12.1-STABLE, __FreeBSD_version 1201517)"
	tree13   = "stable/13 files from three trees: opnsense/src @ 2ef8a088 " + linkElf + " (13.2-based), HardenedBSD/hbsdfw-src-mirror @ 9893698f " + linkObj + " (13.1-STABLE), freebsd/freebsd-src @ a7b2c455 sys/kern/kern_linker.c (stable/13, 2024); machine-dependent files from torvalds/linux @ 7aaee100 (a 13.0-CURRENT sys/ snapshot, __FreeBSD_version 1300017)"
	tree14   = "no 14.x tree was readable here: each field is the value 13.x and 15-CURRENT share, or 15-CURRENT's where they differ (marked)"
	tree15   = "kactertech/Irid @ 2ec8aa90 (a rebrand of 15-CURRENT, __FreeBSD_version 1500068)"
	linkElf  = "sys/kern/link_elf.c"
	linkObj  = "sys/kern/link_elf_obj.c"
	vnetC    = "sys/net/vnet.c VNET_MODMIN"
	pcpuH    = "sys/sys/pcpu.h DPCPU_MODMIN, sys/kern/subr_pcpu.c dpcpu_startup"
	machdeps = "sys/{amd64,i386,arm,arm64,riscv,powerpc}/*/elf*_machdep.c elf_reloc_internal case labels"
)

// Relocation types rejected by more than one release line, as read in
// each one's elf_machdep.c files (see the profiles' sources).
var (
	// 8.3 and 9.3: no amd64 PLT32 or IRELATIVE, no i386 JMP_SLOT or
	// IRELATIVE, no powerpc JMP_SLOT or IRELATIVE, no powerpc64 IRELATIVE.
	rejected93 = map[string][]string{
		"amd64":     {"R_X86_64_PLT32", "R_X86_64_IRELATIVE"},
		"i386":      {"R_386_JMP_SLOT", "R_386_IRELATIVE"},
		"powerpc":   {"R_PPC_JMP_SLOT", "R_PPC_IRELATIVE"},
		"powerpc64": {"R_PPC64_IRELATIVE"},
	}
	// 12.1-STABLE and the 13.0-CURRENT snapshot: no i386 JMP_SLOT, no
	// powerpc JMP_SLOT or IRELATIVE, no powerpc64 IRELATIVE.
	rejected121 = map[string][]string{
		"i386":      {"R_386_JMP_SLOT"},
		"powerpc":   {"R_PPC_JMP_SLOT", "R_PPC_IRELATIVE"},
		"powerpc64": {"R_PPC64_IRELATIVE"},
	}
)

// all profiles, oldest first.
var all = []*Profile{
	{
		Name: "freebsd-8.2", OSRelDate: 802000, Tree: tree83,
		Summary:           "before the 2011 fix: a module's references to another module's VNET/DPCPU variables are not redirected (the 2011 ipfw_nat.ko and V_layer3_chain report)",
		CrossModuleSets:   false,
		VNETModMin:        8192,
		DPCPUModMin:       2048,
		SetSizeInPointers: true,
		LeakLocals:        true,
		Unsupported:       rejected93,
		Sources: map[string]string{
			"cross_module_sets":          linkElf + " elf_lookup: returns the owner's image address unchanged; no elf_set_find",
			"vnet_module_space":          vnetC + " 8192",
			"dpcpu_module_space":         pcpuH + " 2048",
			"set_size_in_pointers":       linkElf + " parse_dpcpu/parse_vnet: link_elf_lookup_set's pointer count times sizeof(void *)",
			"reports_no_space":           linkElf + " parse_dpcpu/parse_vnet: ENOSPC without a message",
			"leak_locals":                linkElf + " link_elf_lookup_symbol: the full-table scan has no binding test; no sysctl",
			"hashless_full_scan":         linkElf + " link_elf_lookup_symbol: returns at \"missing symbol hash table\" before any scan",
			"weak_undefined_zero":        "[inferred] 9.3's " + linkObj + " elf_obj_lookup still refuses undefined weak symbols (\"Weak symbols not supported\"); 8.3 predates it",
			"i386_set_padding":           linkElf + " parse_dpcpu/parse_vnet: no pad check",
			"obj_vnet_propagated":        linkObj + " link_elf_load_file: vnet_data_copy as the section is read; no LINKER_PROPAGATE_VNETS",
			"obj_local_reloc_fails":      "[inferred] 9.3's and 10.4's " + linkObj + " link_elf_reloc_local ignore elf_reloc_local's result",
			"reloc_message_symbol_index": "[inferred] 9.3 and 10.4 print \"kldload: unexpected relocation type %d\" without the index",
			"unsupported_relocations":    machdeps,
		},
	},
	{
		Name: "freebsd-9.0", OSRelDate: 900044, Tree: tree93,
		Summary:           "the cross-module set fix (elf_set_find) is in; VNET module space 8 KiB; undefined weak symbols fail the load",
		CrossModuleSets:   true,
		VNETModMin:        8192,
		DPCPUModMin:       2048,
		SetSizeInPointers: true,
		LeakLocals:        true,
		Unsupported:       rejected93,
		Sources: map[string]string{
			"cross_module_sets":          linkElf + " elf_set_add/elf_set_find over set_pcpu_list and set_vnet_list; elf_lookup redirects non-local symbols",
			"vnet_module_space":          vnetC + " 8192",
			"dpcpu_module_space":         pcpuH + " 2048",
			"set_size_in_pointers":       linkElf + " parse_dpcpu/parse_vnet: link_elf_lookup_set's pointer count times sizeof(void *)",
			"reports_no_space":           linkElf + " parse_dpcpu/parse_vnet, " + linkObj + " link_elf_load_file: ENOSPC without a message",
			"leak_locals":                linkElf + " link_elf_lookup_symbol, " + linkObj + " link_elf_lookup_symbol: no binding test; no sysctl",
			"hashless_full_scan":         linkElf + " link_elf_lookup_symbol: returns at \"missing symbol hash table\" before the scan",
			"weak_undefined_zero":        linkElf + " elf_lookup has no weak case (the MD code fails a zero address); " + linkObj + " elf_obj_lookup: \"link_elf_obj: Weak symbols not supported\"",
			"i386_set_padding":           linkElf + ": no LS_PADDING, no pad check",
			"obj_vnet_propagated":        linkObj + " link_elf_load_file: vnet_data_copy as the section is read; sys/kern/kern_linker.c linker_load_file: no propagation",
			"obj_local_reloc_fails":      linkObj + " link_elf_reloc_local ignores elf_reloc_local's result",
			"reloc_message_symbol_index": machdeps + ": \"kldload: unexpected relocation type %d\"",
			"unsupported_relocations":    machdeps,
		},
	},
	{
		Name: "freebsd-10", OSRelDate: 1000000, Tree: tree104,
		Summary:           "undefined weak symbols resolve to 0; otherwise as 9.x (11.x not read: governed by this profile)",
		CrossModuleSets:   true,
		VNETModMin:        8192,
		DPCPUModMin:       2048,
		SetSizeInPointers: true,
		LeakLocals:        true,
		WeakUndefinedZero: true,
		Unsupported: map[string][]string{
			"amd64":     {"R_X86_64_PLT32", "R_X86_64_IRELATIVE"},
			"i386":      {"R_386_JMP_SLOT", "R_386_IRELATIVE"},
			"arm64":     {"R_AARCH64_TSTBR14", "R_AARCH64_CONDBR19", "R_AARCH64_JUMP26", "R_AARCH64_CALL26"},
			"powerpc":   {"R_PPC_JMP_SLOT", "R_PPC_IRELATIVE"},
			"powerpc64": {"R_PPC64_IRELATIVE"},
		},
		Sources: map[string]string{
			"cross_module_sets":          linkElf + " elf_set_add/elf_set_find; elf_lookup redirects non-local symbols",
			"vnet_module_space":          vnetC + " 8192",
			"dpcpu_module_space":         pcpuH + " 2048",
			"set_size_in_pointers":       linkElf + " parse_dpcpu/parse_vnet: pointer count times sizeof(void *)",
			"reports_no_space":           linkElf + " parse_dpcpu/parse_vnet, " + linkObj + " link_elf_load_file: ENOSPC without a message",
			"leak_locals":                linkElf + " and " + linkObj + " link_elf_lookup_symbol: no binding test; no sysctl",
			"hashless_full_scan":         linkElf + " link_elf_lookup_symbol: returns at \"missing symbol hash table\" before the scan",
			"weak_undefined_zero":        linkElf + " elf_lookup and " + linkObj + " elf_obj_lookup: an unresolved STB_WEAK symbol gives 0",
			"i386_set_padding":           linkElf + ": no LS_PADDING, no pad check",
			"obj_vnet_propagated":        linkObj + " link_elf_load_file: vnet_data_copy as the section is read; no LINKER_PROPAGATE_VNETS",
			"obj_local_reloc_fails":      linkObj + " link_elf_reloc_local ignores elf_reloc_local's result",
			"reloc_message_symbol_index": machdeps + ": \"kldload: unexpected relocation type %d\"",
			"unsupported_relocations":    machdeps + "; arm64 (absent from 10.4, first in 11.0): [inferred] 12.0's list",
		},
	},
	{
		Name: "freebsd-12.0", OSRelDate: 1200000, Tree: tree120,
		Summary:           "VNET module space 8 pages (32 KiB); set sizes in bytes; out-of-space messages; arm64 branch relocations rejected",
		CrossModuleSets:   true,
		VNETModMin:        8 * 4096,
		DPCPUModMin:       2048,
		ReportsNoSpace:    true,
		LeakLocals:        true,
		WeakUndefinedZero: true,
		Unsupported: map[string][]string{
			"i386":      {"R_386_JMP_SLOT"},
			"arm64":     {"R_AARCH64_TSTBR14", "R_AARCH64_CONDBR19", "R_AARCH64_JUMP26", "R_AARCH64_CALL26"},
			"powerpc":   {"R_PPC_JMP_SLOT", "R_PPC_IRELATIVE"},
			"powerpc64": {"R_PPC64_IRELATIVE"},
		},
		Sources: map[string]string{
			"cross_module_sets":          linkElf + " elf_set_find; elf_lookup redirects non-local symbols",
			"vnet_module_space":          vnetC + " (8 * PAGE_SIZE)",
			"dpcpu_module_space":         pcpuH + " 2048",
			"set_size_in_pointers":       linkElf + " parse_dpcpu/parse_vnet: the byte difference stop - start",
			"reports_no_space":           linkElf + " parse_dpcpu/parse_vnet: \"%s: pcpu module space is out of space; cannot allocate %d for %s\"",
			"leak_locals":                linkElf + " and " + linkObj + " link_elf_lookup_symbol: no binding test; no sysctl",
			"hashless_full_scan":         linkElf + " link_elf_lookup_symbol: returns at \"missing symbol hash table\" before the scan",
			"weak_undefined_zero":        linkElf + " elf_lookup and " + linkObj + " elf_obj_lookup: an unresolved STB_WEAK symbol gives 0",
			"i386_set_padding":           linkElf + ": no LS_PADDING, no pad check",
			"obj_vnet_propagated":        linkObj + ": vnet_data_copy as the section is read; no propagation step",
			"obj_local_reloc_fails":      linkObj + " link_elf_reloc_local ignores elf_reloc_local's result",
			"reloc_message_symbol_index": machdeps + ": \"kldload: unexpected relocation type %d\"",
			"unsupported_relocations":    machdeps,
		},
	},
	{
		Name: "freebsd-12.1", OSRelDate: 1201000, Tree: tree121,
		Summary:           "arm64 branch relocations accepted; otherwise as 12.0",
		CrossModuleSets:   true,
		VNETModMin:        8 * 4096,
		DPCPUModMin:       2048,
		ReportsNoSpace:    true,
		LeakLocals:        true,
		WeakUndefinedZero: true,
		Unsupported:       rejected121,
		Sources: map[string]string{
			"cross_module_sets":          linkElf + " elf_set_find; elf_lookup redirects non-local symbols",
			"vnet_module_space":          vnetC + " (8 * PAGE_SIZE)",
			"dpcpu_module_space":         pcpuH + " 2048",
			"set_size_in_pointers":       linkElf + " parse_dpcpu/parse_vnet: the byte difference stop - start",
			"reports_no_space":           linkElf + " parse_dpcpu/parse_vnet: \"%s: vnet module space is out of space; cannot allocate %d for %s\"",
			"leak_locals":                linkElf + " link_elf_lookup_symbol: exhaustive scan without a binding test; no sysctl",
			"hashless_full_scan":         linkElf + " link_elf_lookup_symbol: returns at \"missing symbol hash table\" before the exhaustive search",
			"weak_undefined_zero":        linkElf + " elf_lookup (addr == 0 fails only for non-weak), " + linkObj + " elf_obj_lookup (STB_WEAK: 0)",
			"i386_set_padding":           linkElf + ": no LS_PADDING",
			"obj_vnet_propagated":        linkObj + " link_elf_load_file: vnet_data_copy as the section is read; no link_elf_propagate_vnets",
			"obj_local_reloc_fails":      linkObj + " link_elf_reloc_local calls elf_reloc_local without testing its result",
			"reloc_message_symbol_index": machdeps + ": \"kldload: unexpected relocation type %d\", \"kldload: unexpected R_COPY relocation\"",
			"unsupported_relocations":    machdeps,
		},
	},
	{
		Name: "freebsd-13", OSRelDate: 1300000, Tree: tree13,
		Summary:           "i386 set padding checked; leak_locals sysctls; a failed amd64 local relocation fails the load; VNET initialisers still copied before relocation",
		CrossModuleSets:   true,
		VNETModMin:        8 * 4096,
		DPCPUModMin:       2048,
		ReportsNoSpace:    true,
		LeakLocals:        true,
		HashlessFullScan:  true,
		WeakUndefinedZero: true,
		I386SetPadding:    true,

		ObjLocalRelocFails: true,
		Unsupported:        rejected121,
		Sources: map[string]string{
			"cross_module_sets":          linkElf + " (opnsense) elf_set_find; elf_lookup redirects non-local symbols",
			"vnet_module_space":          vnetC + " (8 * PAGE_SIZE) (13.0-CURRENT snapshot)",
			"dpcpu_module_space":         pcpuH + " 2048 (13.0-CURRENT snapshot; later 13.x not read)",
			"set_size_in_pointers":       linkElf + " (opnsense) parse_dpcpu/parse_vnet: the byte difference",
			"reports_no_space":           linkElf + " (opnsense) parse_dpcpu/parse_vnet: the out-of-space printf, ENOSPC",
			"leak_locals":                linkElf + " (opnsense) debug.link_elf_leak_locals, " + linkObj + " (HardenedBSD) debug.link_elf_obj_leak_locals, both default true",
			"hashless_full_scan":         linkElf + " (opnsense) link_elf_lookup_debug_symbol: the ddbsymtab loop after the hash bail-out",
			"weak_undefined_zero":        linkElf + " elf_lookup and " + linkObj + " elf_obj_lookup: an unresolved STB_WEAK symbol gives 0",
			"i386_set_padding":           linkElf + " (opnsense) parse_dpcpu/parse_vnet: LS_PADDING under __i386__",
			"obj_vnet_propagated":        linkObj + " (HardenedBSD) and kern_linker.c linker_load_file (stable/13): no link_elf_propagate_vnets",
			"obj_local_reloc_fails":      linkObj + " (HardenedBSD 13.1-STABLE) link_elf_reloc_local: ENOEXEC when elf_reloc_local fails",
			"reloc_message_symbol_index": machdeps + " (13.0-CURRENT snapshot): \"kldload: unexpected relocation type %d\" without the index; later 13.x files not read",
			"unsupported_relocations":    machdeps + " (13.0-CURRENT snapshot); arm64 branch types [inferred] accepted, as 12.1-STABLE already does",
		},
	},
	{
		Name: "freebsd-14", OSRelDate: 1400000, Tree: tree14,
		Summary:           "as 15-CURRENT in everything kldcheck models (14.x itself not read: see each field)",
		CrossModuleSets:   true,
		VNETModMin:        8 * 4096,
		DPCPUModMin:       2048,
		ReportsNoSpace:    true,
		LeakLocals:        true,
		HashlessFullScan:  true,
		WeakUndefinedZero: true,
		I386SetPadding:    true,

		ObjVNETPropagated:       true,
		ObjLocalRelocFails:      true,
		RelocMessageSymbolIndex: true,
		Sources: map[string]string{
			"cross_module_sets":          "[inferred] 13.x and 15-CURRENT agree",
			"vnet_module_space":          "[inferred] 13.x and 15-CURRENT agree (" + vnetC + ")",
			"dpcpu_module_space":         "[inferred] 13.0-CURRENT and 15-CURRENT agree (" + pcpuH + ")",
			"set_size_in_pointers":       "[inferred] 13.x and 15-CURRENT agree",
			"reports_no_space":           "[inferred] 13.x and 15-CURRENT agree",
			"leak_locals":                "[inferred] 13.x and 15-CURRENT agree (the leak_locals sysctls)",
			"hashless_full_scan":         "[inferred] 13.x and 15-CURRENT agree (link_elf_lookup_debug_symbol)",
			"weak_undefined_zero":        "[inferred] 13.x and 15-CURRENT agree",
			"i386_set_padding":           "[inferred] 13.x and 15-CURRENT agree (LS_PADDING)",
			"obj_vnet_propagated":        "[inferred, unverified] 15-CURRENT's value: 13.x has no link_elf_propagate_vnets, 15-CURRENT has it",
			"obj_local_reloc_fails":      "[inferred] 13.1-STABLE and 15-CURRENT agree",
			"reloc_message_symbol_index": "[inferred, unverified] 15-CURRENT's value: the 13.0-CURRENT snapshot prints no index",
			"unsupported_relocations":    "[inferred, unverified] 15-CURRENT's value (every type kldcheck knows): the 13.0-CURRENT snapshot lacks i386 and powerpc JMP_SLOT, powerpc IRELATIVE",
		},
	},
	{
		Name: "freebsd-15", OSRelDate: 1500000, Tree: tree15,
		Summary:           "today's linker: i386 set padding checked; leak_locals sysctls (default on); amd64 VNET propagated after relocation",
		CrossModuleSets:   true,
		VNETModMin:        8 * 4096,
		DPCPUModMin:       2048,
		ReportsNoSpace:    true,
		LeakLocals:        true,
		HashlessFullScan:  true,
		WeakUndefinedZero: true,
		I386SetPadding:    true,

		ObjVNETPropagated:       true,
		ObjLocalRelocFails:      true,
		RelocMessageSymbolIndex: true,
		Sources: map[string]string{
			"cross_module_sets":          linkElf + " elf_lookup: elf_set_find over set_pcpu_list, then set_vnet_list",
			"vnet_module_space":          vnetC + " (8 * PAGE_SIZE)",
			"dpcpu_module_space":         pcpuH + " 2048",
			"set_size_in_pointers":       linkElf + " parse_dpcpu/parse_vnet: the byte difference stop - start",
			"reports_no_space":           linkElf + " parse_vnet: \"%s: vnet module space is out of space; cannot allocate %d for %s\"",
			"leak_locals":                linkElf + " debug.link_elf_leak_locals, " + linkObj + " debug.link_elf_obj_leak_locals (both default true)",
			"hashless_full_scan":         linkElf + " link_elf_lookup_debug_symbol: after link_elf_lookup_symbol1's \"missing symbol hash table\", the loop over ddbsymtab",
			"weak_undefined_zero":        linkElf + " elf_lookup (addr == 0 fails only for non-weak), " + linkObj + " elf_obj_lookup (STB_WEAK: 0)",
			"i386_set_padding":           linkElf + " parse_dpcpu/parse_vnet: LS_PADDING and the 0x90909090 check",
			"obj_vnet_propagated":        linkObj + " link_elf_propagate_vnets, called from sys/kern/kern_linker.c linker_load_file (LINKER_PROPAGATE_VNETS)",
			"obj_local_reloc_fails":      linkObj + " link_elf_reloc_local: ENOEXEC when elf_reloc_local fails",
			"reloc_message_symbol_index": machdeps + ": \"kldload: unexpected relocation type %d, symbol index %d\"",
			"unsupported_relocations":    machdeps,
		},
	},
}
