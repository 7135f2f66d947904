package arch

import "debug/elf"

// RISCV64 modules are shared objects loaded by link_elf.c with RELA relocations.
// Relocation handling: sys/riscv/riscv/elf_machdep.c (FreeBSD 14), which handles
// every type in both passes.
var RISCV64 = register(&Arch{
	Name: "riscv64", Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, Machine: elf.EM_RISCV,
	ModuleType: elf.ET_DYN, RELA: true, PtrSize: 8, FirstRelease: 1200000, // FreeBSD 12.0
	typeName: func(t uint32) string { return elf.R_RISCV(t).String() },
	names:    map[uint32]string{rRISCVIRelative: "R_RISCV_IRELATIVE"},
	Relocs: []Reloc{
		{uint32(elf.R_RISCV_NONE), None, 0},
		{uint32(elf.R_RISCV_64), Abs, 8},
		{uint32(elf.R_RISCV_JUMP_SLOT), Sym, 8},
		{uint32(elf.R_RISCV_RELATIVE), Relative, 8},
		{uint32(elf.R_RISCV_JAL), Insn, 0},
		{uint32(elf.R_RISCV_CALL), Insn, 0},
		{uint32(elf.R_RISCV_PCREL_HI20), Insn, 0},
		{uint32(elf.R_RISCV_PCREL_LO12_I), Insn, 0},
		{uint32(elf.R_RISCV_PCREL_LO12_S), Insn, 0},
		{uint32(elf.R_RISCV_HI20), Insn, 0},
		{uint32(elf.R_RISCV_LO12_I), Insn, 0},
		{uint32(elf.R_RISCV_LO12_S), Insn, 0},
	},
})

// rRISCVIRelative is R_RISCV_IRELATIVE (58), which debug/elf does not name.
const rRISCVIRelative = 58
