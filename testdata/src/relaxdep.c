/*
 * relaxdep.c: vnet_local.c's relaxable GOT load of its own VNET variable,
 * in a module that also depends on a module nobody provides (nosuchmod).
 * The kernel refuses the load for the dependency, but the relaxed reference
 * (lld 14 without --no-relax, EN-23:08) is in the file whatever the
 * dependency: both facts must be reported.
 */
#define KM_CURVNET_CALL	/* keep the GOT pair adjacent (kmod.h) */
#include "kmod.h"

VNET_DEFINE_STATIC(int, relaxdep_x) = 1;

uintptr_t
relaxdep_x_offset(void)
{
	return ((uintptr_t)&VNET_NAME(relaxdep_x));
}

static int
relaxdep_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t relaxdep_mod = { "relaxdep", relaxdep_modevent, NULL };

DECLARE_MODULE(relaxdep, relaxdep_mod, SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY);
MODULE_DEPEND(relaxdep, nosuchmod, 1, 1, 1);
