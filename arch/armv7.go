package arch

import "debug/elf"

// ARMV7 modules are shared objects loaded by link_elf.c with REL relocations.
// Relocation handling: sys/arm/arm/elf_machdep.c (FreeBSD 14): RELATIVE in the
// local pass; ABS32 and JUMP_SLOT in the global pass. There is no GLOB_DAT.
var ARMV7 = register(&Arch{
	Name: "armv7", Class: elf.ELFCLASS32, Data: elf.ELFDATA2LSB, Machine: elf.EM_ARM,
	ModuleType: elf.ET_DYN, RELA: false, PtrSize: 4, FirstRelease: 1200000, // FreeBSD 12.0 (armv7 MACHINE_ARCH)
	typeName: func(t uint32) string { return elf.R_ARM(t).String() },
	Relocs: []Reloc{
		{uint32(elf.R_ARM_NONE), None, 0},
		{uint32(elf.R_ARM_ABS32), Abs, 4},
		{uint32(elf.R_ARM_COPY), Copy, 0},
		{uint32(elf.R_ARM_JUMP_SLOT), Sym, 4},
		{uint32(elf.R_ARM_RELATIVE), Relative, 4},
	},
})
