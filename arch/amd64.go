package arch

import "debug/elf"

// AMD64 modules are relocatable objects (kmod.mk links them with ld -r) loaded by
// link_elf_obj.c. Relocation handling: sys/amd64/amd64/elf_machdep.c,
// elf_reloc_internal (FreeBSD 14; R_X86_64_PLT32 arrived with commit f98751499c,
// before that it was rejected: which versions accept what is profile data).
var AMD64 = register(&Arch{
	Name: "amd64", Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_X86_64,
	ModuleType: elf.ET_REL, LinkElfObj: true, RELA: true, PtrSize: 8,
	typeName: func(t uint32) string { return elf.R_X86_64(t).String() },
	Relocs: []Reloc{
		{uint32(elf.R_X86_64_NONE), None, 0},
		{uint32(elf.R_X86_64_64), Abs, 8},
		{uint32(elf.R_X86_64_PC32), PCRel, 4},
		{uint32(elf.R_X86_64_PLT32), PCRel, 4},
		{uint32(elf.R_X86_64_32S), Abs, 4},
		{uint32(elf.R_X86_64_COPY), Copy, 0},
		{uint32(elf.R_X86_64_GLOB_DAT), Sym, 8},
		{uint32(elf.R_X86_64_JMP_SLOT), Sym, 8},
		{uint32(elf.R_X86_64_RELATIVE), Relative, 8},
		{uint32(elf.R_X86_64_IRELATIVE), IRelative, 8},
	},
})
