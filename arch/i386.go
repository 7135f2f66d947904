package arch

import "debug/elf"

// I386 modules are shared objects loaded by link_elf.c with REL relocations.
// Relocation handling: sys/i386/i386/elf_machdep.c (FreeBSD 14): RELATIVE in the
// local pass through elf_relocaddr; 32, PC32, GLOB_DAT, JMP_SLOT, IRELATIVE in the
// global pass.
var I386 = register(&Arch{
	Name: "i386", Class: elf.ELFCLASS32, Data: elf.ELFDATA2LSB, Machine: elf.EM_386,
	ModuleType: elf.ET_DYN, RELA: false, PtrSize: 4,
	typeName: func(t uint32) string { return elf.R_386(t).String() },
	Relocs: []Reloc{
		{uint32(elf.R_386_NONE), None, 0},
		{uint32(elf.R_386_32), Abs, 4},
		{uint32(elf.R_386_PC32), PCRel, 4},
		{uint32(elf.R_386_COPY), Copy, 0},
		{uint32(elf.R_386_GLOB_DAT), Sym, 4},
		{uint32(elf.R_386_JMP_SLOT), Sym, 4},
		{uint32(elf.R_386_RELATIVE), Relative, 4},
		{uint32(elf.R_386_IRELATIVE), IRelative, 4},
	},
})
