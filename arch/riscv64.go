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
	// elf_machdep.c (12.1-STABLE and 15-CURRENT) checks S-P, without the
	// addend, against -2^20 < off < 2^20 for JAL and -2^32 < off < 2^32
	// for CALL, but in unsigned arithmetic: the lower bound wraps to a huge
	// number that every non-negative offset is below, and every negative
	// offset is above the upper bound, so no offset passes.
	Branches: map[uint32]BranchCheck{
		uint32(elf.R_RISCV_JAL):  riscvHuge(20, "R_RISCV_JAL"),
		uint32(elf.R_RISCV_CALL): riscvHuge(32, "R_RISCV_CALL"),
	},
})

// riscvHuge is riscv64's check of a branch offset against ±2^bits as the
// kernel writes it, with unsigned operands.
func riscvHuge(bits uint, name string) BranchCheck {
	return BranchCheck{
		Fits: func(off uint64) bool {
			limit := uint64(1) << bits
			return !(off <= -limit || limit <= off)
		},
		Reach:   "no offset: the kernel compares it as an unsigned number",
		Message: "kldload: huge offset against " + name,
	}
}

// rRISCVIRelative is R_RISCV_IRELATIVE (58), which debug/elf does not name.
const rRISCVIRelative = 58
