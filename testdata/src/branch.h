/*
 * branch.h: the code of branch.c and branch_near.c, which differ in
 * BRANCH_GAP, the bytes between far_tbz's tbz and the ifunc (arm64).
 */
#include "kmod.h"

static int
branch_impl(int x)
{
	return (x + 1);
}

static void *
branch_resolve(void)
{
	return ((void *)branch_impl);
}

int branch_ifunc(int) __attribute__((ifunc("branch_resolve")));

int
branch_caller(int x)
{
	return (branch_ifunc(x) + 2);
}

#if defined(__aarch64__)
__asm__(".text\n.globl far_tbz\n.type far_tbz,%function\nfar_tbz:\n"
    "\ttbz w0, #0, branch_ifunc\n\tret\n.space " BRANCH_GAP "\n");
#elif defined(__riscv)
__asm__(".text\n.globl far_jal\n.type far_jal,%function\nfar_jal:\n"
    "\tjal ra, branch_ifunc\n\tret\n");
#endif

static int
branch_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD ? branch_caller(0) - 3 : 0);
}
