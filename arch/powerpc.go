package arch

import "debug/elf"

// POWERPC (32-bit, big-endian) modules are shared objects loaded by link_elf.c
// with RELA relocations. Relocation handling: sys/powerpc/powerpc/elf32_machdep.c
// (FreeBSD 14), which also passes symbol results through elf_relocaddr.
var POWERPC = register(&Arch{
	Name: "powerpc", Class: elf.ELFCLASS32, Data: elf.ELFDATA2MSB, Machine: elf.EM_PPC,
	ModuleType: elf.ET_DYN, RELA: true, PtrSize: 4, RelocaddrOnSymbols: true,
	typeName: func(t uint32) string { return elf.R_PPC(t).String() },
	names:    map[uint32]string{rPPCIRelative: "R_PPC_IRELATIVE"},
	Relocs: []Reloc{
		{uint32(elf.R_PPC_NONE), None, 0},
		{uint32(elf.R_PPC_ADDR32), Abs, 4},
		{uint32(elf.R_PPC_ADDR16_LO), Insn, 0},
		{uint32(elf.R_PPC_ADDR16_HA), Insn, 0},
		{uint32(elf.R_PPC_RELATIVE), Relative, 4},
		{uint32(elf.R_PPC_JMP_SLOT), Abs, 4},
		{rPPCIRelative, IRelative, 4},
	},
})

// rPPCIRelative is R_PPC_IRELATIVE (248), which debug/elf does not name.
const rPPCIRelative = 248
