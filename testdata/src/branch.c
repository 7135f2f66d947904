/*
 * branch.c: a module that calls an ifunc of its own, linked with
 * -z ifunc-noplt (the amd64 kernel's flag, sys/conf/kern.pre.mk): lld then
 * leaves the branches to the ifunc for the kernel linker as dynamic
 * relocations of the branch's own type. On arm64, far_tbz's tbz
 * (R_AARCH64_TSTBR14, ±32 KiB) is 40 KB away from the ifunc and
 * reloc_instr_imm refuses it; caller's bl (R_AARCH64_CALL26) is in reach.
 * On riscv64, far_jal's jal (R_RISCV_JAL) is refused however near it is.
 * Built with EXPORT_SYMS=NO the ifunc is local and lld writes the records
 * against symbol index 0. branch_near.c is the same module without the gap.
 */
#define	BRANCH_GAP "40000"
#include "branch.h"

static moduledata_t branch_mod = { "branch", branch_modevent, NULL };

DECLARE_MODULE(branch, branch_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
