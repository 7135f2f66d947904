/*
 * set_init_ok.c: set_init.c's twin, done right. The VNET and DPCPU variables
 * get their addresses at run time (MOD_LOAD), not through relocations inside
 * the sets, and the loop's bound points at the array's last element, which
 * lies inside set_vnet, so elf_relocaddr moves it to module space.
 */
#include "kmod.h"

typedef int set_init_ok_fn(void);

static int
set_init_ok_hook(void)
{
	return (7);
}

/* Set at MOD_LOAD instead of initialised. */
VNET_DEFINE(const char *, init_name);
#define V_init_name		VNET(init_name)
DPCPU_DEFINE(set_init_ok_fn *, init_hook);

/* The last variable of set_vnet, and a pointer to its last element. */
VNET_DEFINE(int, init_ring[3]);
#define V_init_ring		VNET(init_ring)
int *set_init_ok_ring_last = &VNET_NAME(init_ring)[2];

int
set_init_ok_sum(void)
{
	int *p, sum = 0;

	for (p = &VNET_NAME(init_ring)[0]; p <= set_init_ok_ring_last; p++)
		sum += *(int *)((uintptr_t)curvnet->vnet_data_base + (uintptr_t)p);
	return (sum + (DPCPU_GET(init_hook) != NULL) + (V_init_name != NULL));
}

static int
set_init_ok_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	if (type == MOD_LOAD) {
		V_init_name = "set_init_ok";
		DPCPU_SET(init_hook, set_init_ok_hook);
	}
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t set_init_ok_mod = {
	"set_init_ok",
	set_init_ok_modevent,
	NULL
};

DECLARE_MODULE(set_init_ok, set_init_ok_mod, SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY);
MODULE_VERSION(set_init_ok, 1);
