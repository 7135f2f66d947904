/*
 * set_init.c: VNET and DPCPU variables initialised with addresses, and a
 * pointer one past the end of a module's set_vnet. The kernel linker copies a
 * module's sets into module space before it applies the module's relocations
 * (link_elf.c parse_vnet/parse_dpcpu; link_elf_obj.c dpcpu_copy as the
 * section is read), so the relocations that would store these addresses
 * patch a copy nothing reads: every instance keeps the unrelocated bytes.
 * And elf_relocaddr moves only addresses inside [__start_set_vnet,
 * __stop_set_vnet): a pointer equal to the end stays in the module's image.
 * set_init_ok.c is its twin that sets the same values at run time.
 */
#include "kmod.h"

typedef int set_init_fn(void);

static int
set_init_hook(void)
{
	return (7);
}

/* Address-valued initialisers: a string and a function pointer. */
VNET_DEFINE(const char *, init_name) = "set_init";
#define V_init_name		VNET(init_name)
DPCPU_DEFINE(set_init_fn *, init_hook) = set_init_hook;

/* The last variable of set_vnet, and a pointer just past it (as the end
 * pointer of a loop over the array). Twelve bytes, so that set_vnet ends
 * in the padding before the next section rather than where another object
 * starts. */
VNET_DEFINE(int, init_ring[3]);
#define V_init_ring		VNET(init_ring)
int *set_init_ring_end = &VNET_NAME(init_ring)[3];

int
set_init_sum(void)
{
	int *p, sum = 0;

	for (p = &VNET_NAME(init_ring)[0]; p < set_init_ring_end; p++)
		sum += *(int *)((uintptr_t)curvnet->vnet_data_base + (uintptr_t)p);
	return (sum + (DPCPU_GET(init_hook) != NULL) + (V_init_name != NULL));
}

static int
set_init_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t set_init_mod = {
	"set_init",
	set_init_modevent,
	NULL
};

DECLARE_MODULE(set_init, set_init_mod, SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY);
MODULE_VERSION(set_init, 1);
