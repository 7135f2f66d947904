package arch

import "debug/elf"

// ARM64 modules are shared objects (r289035) loaded by link_elf.c with RELA
// relocations. Relocation handling: sys/arm64/arm64/elf_machdep.c (FreeBSD 14):
// RELATIVE in the local pass; branch immediates, ABS64, GLOB_DAT, JUMP_SLOT (all
// S+A) and IRELATIVE in the global pass.
var ARM64 = register(&Arch{
	Name: "arm64", Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_AARCH64,
	ModuleType: elf.ET_DYN, RELA: true, PtrSize: 8, FirstRelease: 1100000, // FreeBSD 11.0
	typeName: func(t uint32) string { return elf.R_AARCH64(t).String() },
	Relocs: []Reloc{
		{uint32(elf.R_AARCH64_NONE), None, 0},
		{uint32(elf.R_AARCH64_ABS64), Abs, 8},
		{uint32(elf.R_AARCH64_GLOB_DAT), Abs, 8},
		{uint32(elf.R_AARCH64_JUMP_SLOT), Abs, 8},
		{uint32(elf.R_AARCH64_RELATIVE), Relative, 8},
		{uint32(elf.R_AARCH64_IRELATIVE), IRelative, 8},
		{uint32(elf.R_AARCH64_TSTBR14), Insn, 0},
		{uint32(elf.R_AARCH64_CONDBR19), Insn, 0},
		{uint32(elf.R_AARCH64_JUMP26), Insn, 0},
		{uint32(elf.R_AARCH64_CALL26), Insn, 0},
	},
	// reloc_instr_imm (elf_machdep.c, 12.1-STABLE and 15-CURRENT) refuses
	// an offset S+A-P whose bits above the immediate's top bit (15, 20,
	// 27) are not all copies of it; it prints nothing.
	Branches: map[uint32]BranchCheck{
		uint32(elf.R_AARCH64_TSTBR14):  {WithAddend: true, Fits: signedFits(16), Reach: "±32 KiB"},
		uint32(elf.R_AARCH64_CONDBR19): {WithAddend: true, Fits: signedFits(21), Reach: "±1 MiB"},
		uint32(elf.R_AARCH64_JUMP26):   {WithAddend: true, Fits: signedFits(28), Reach: "±128 MiB"},
		uint32(elf.R_AARCH64_CALL26):   {WithAddend: true, Fits: signedFits(28), Reach: "±128 MiB"},
	},
})
