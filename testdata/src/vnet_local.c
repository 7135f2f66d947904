/*
 * vnet_local.c: the EN-23:08 reproduction (seed 004). Two tiny functions take
 * the address of this module's own VNET variable. On arm64 VNET_DEFINE_STATIC
 * is not static in modules, so -fPIC code reaches vnet_entry_x through the
 * GOT: at -O2 an adjacent "adrp x0, :got:vnet_entry_x; ldr x0, [x0,
 * :got_lo12:vnet_entry_x]" pair in vnet_local_x_offset (x8 in vnet_local_xp),
 * and nothing else in .text uses the GOT. After kmod.mk localises the symbol,
 * lld >= 14 without --no-relax rewrites the pair into "nop; adr x0, ..." (or
 * adrp+add), which addresses the module image's copy of set_vnet instead of
 * the module space the kernel linker allocated: no relocation is left for
 * the kernel to redirect.
 */
#define KM_CURVNET_CALL	/* keep the GOT pairs adjacent (kmod.h) */
#include "kmod.h"

VNET_DEFINE_STATIC(int, x) = 1;
#define V_x			VNET(x)

/* &V_x as an offset from any vnet's vnet_data_base. */
uintptr_t
vnet_local_x_offset(void)
{
	return ((uintptr_t)&VNET_NAME(x));
}

/* &V_x: the current vnet's instance of x. */
int *
vnet_local_xp(void)
{
	return (&V_x);
}

static int
vnet_local_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t vnet_local_mod = { "vnet_local", vnet_local_modevent, NULL };

DECLARE_MODULE(vnet_local, vnet_local_mod, SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY);
