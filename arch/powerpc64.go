package arch

import "debug/elf"

// powerpc64Relocs is the table of sys/powerpc/powerpc/elf64_machdep.c (FreeBSD 14),
// shared by both byte orders. There is no GLOB_DAT.
var powerpc64Relocs = []Reloc{
	{uint32(elf.R_PPC64_NONE), None, 0},
	{uint32(elf.R_PPC64_ADDR64), Abs, 8},
	{uint32(elf.R_PPC64_RELATIVE), Relative, 8},
	{uint32(elf.R_PPC64_JMP_SLOT), Abs, 8},
	{uint32(elf.R_PPC64_IRELATIVE), IRelative, 8},
}

func powerpc64Name(t uint32) string { return elf.R_PPC64(t).String() }

// POWERPC64 is big-endian 64-bit PowerPC (ELFv2 since FreeBSD 13); modules are
// shared objects loaded by link_elf.c with RELA relocations.
var POWERPC64 = register(&Arch{
	Name: "powerpc64", Class: elf.ELFCLASS64, Data: elf.ELFDATA2MSB, Machine: elf.EM_PPC64,
	ModuleType: elf.ET_DYN, RELA: true, PtrSize: 8,
	typeName: powerpc64Name, Relocs: powerpc64Relocs,
	LookupIgnored: []uint32{uint32(elf.R_PPC64_JMP_SLOT)},
})

// POWERPC64LE is little-endian 64-bit PowerPC, otherwise as POWERPC64.
var POWERPC64LE = register(&Arch{
	Name: "powerpc64le", Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_PPC64,
	ModuleType: elf.ET_DYN, RELA: true, PtrSize: 8, FirstRelease: 1300000, // FreeBSD 13.0
	typeName: powerpc64Name, Relocs: powerpc64Relocs,
	LookupIgnored: []uint32{uint32(elf.R_PPC64_JMP_SLOT)},
})
