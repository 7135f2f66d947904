/*
 * nodep.c: reads vnet_owner.ko's VNET variable and calls its function but,
 * unlike vnet_user.c, declares no MODULE_DEPEND on vnet_owner. The kernel
 * looks symbols up only in a module's declared dependencies
 * (kern_linker.c linker_file_lookup_symbol), so this fails to load even with
 * vnet_owner.ko loaded: kldcheck's undeclared-dependency.
 */
#include "kmod.h"

struct rule_chain;
VNET_DECLARE(int, owner_enable);
#define V_owner_enable		VNET(owner_enable)

int
nodep_enabled(void)
{
	return (V_owner_enable);
}

static int
nodep_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t nodep_mod = { "nodep", nodep_modevent, NULL };

DECLARE_MODULE(nodep, nodep_mod, SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY);
