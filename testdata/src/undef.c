/*
 * undef.c: imports a function no kernel defines. kldload fails with
 * "link_elf: symbol no_such_kernel_function undefined" (ENOENT).
 */
#include "kmod.h"

int no_such_kernel_function(int);

static int
undef_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	if (type == MOD_LOAD)
		return (no_such_kernel_function(42));
	return (0);
}

static moduledata_t undef_mod = { "undef", undef_modevent, NULL };

DECLARE_MODULE(undef, undef_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
