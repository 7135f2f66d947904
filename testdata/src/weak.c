/*
 * weak.c: two undefined weak references: optional_hook, which no kernel
 * defines, and curvnet_get, which the kernel does. From FreeBSD 10 on both
 * load (the unresolved one is 0). FreeBSD 9.x refuses undefined weak
 * symbols: its link_elf_obj.c (amd64) prints "Weak symbols not supported"
 * for both, its link_elf.c fails the unresolved one.
 */
#include "kmod.h"

struct vnet;
extern int optional_hook(int) __attribute__((weak));
extern struct vnet *curvnet_get(void) __attribute__((weak));

static int
weak_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	if (type != MOD_LOAD)
		return (0);
	if (curvnet_get != 0)
		(void)curvnet_get();
	return (optional_hook != 0 ? optional_hook(1) : 0);
}

static moduledata_t weak_mod = { "weak", weak_modevent, NULL };

DECLARE_MODULE(weak, weak_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
