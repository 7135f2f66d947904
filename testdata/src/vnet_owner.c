/*
 * vnet_owner.c: a module that owns VNET and DPCPU variables, in the manner
 * of ipfw.ko owning V_layer3_chain (seeds 000/001). Another module,
 * vnet_user.ko, reaches layer3_chain and owner_pcpu_hits by name.
 */
#include "kmod.h"

struct rule {
	struct rule	*next;
	int		rulenum;
	unsigned long	pcnt;
};

struct rule_chain {
	volatile u_int	lock;		/* a lock word */
	struct rule	*rules;		/* list head */
	int		n_rules;
};

VNET_DEFINE(int, owner_enable) = 1;
#define V_owner_enable		VNET(owner_enable)
VNET_DEFINE(struct rule_chain, layer3_chain);
#define V_layer3_chain		VNET(layer3_chain)
VNET_DEFINE_STATIC(unsigned long, owner_stats[8]);
#define V_owner_stats		VNET(owner_stats)
/* Set at MOD_LOAD: an address initialiser would be lost (set_init.c). */
VNET_DEFINE(const char *, owner_name);
#define V_owner_name		VNET(owner_name)

DPCPU_DEFINE(unsigned long, owner_pcpu_hits);
DPCPU_DEFINE_STATIC(int, owner_pcpu_scratch[4]);

struct rule_chain *
vnet_owner_chain(void)
{
	return (&V_layer3_chain);
}

int
vnet_owner_add(struct rule *r)
{
	struct rule_chain *ch = &V_layer3_chain;

	while (__atomic_exchange_n(&ch->lock, 1, __ATOMIC_ACQUIRE) != 0)
		;
	r->next = ch->rules;
	ch->rules = r;
	ch->n_rules++;
	__atomic_store_n(&ch->lock, 0, __ATOMIC_RELEASE);
	V_owner_stats[r->rulenum & 7]++;
	DPCPU_GET(owner_pcpu_hits)++;
	DPCPU_GET(owner_pcpu_scratch)[r->rulenum & 3] = r->rulenum;
	return (ch->n_rules);
}

unsigned long
vnet_owner_total(void)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < 8; i++)
		sum += V_owner_stats[i];
	return (sum + DPCPU_ID_GET(0, owner_pcpu_hits));
}

static int
vnet_owner_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	switch (type) {
	case MOD_LOAD:
		V_owner_enable = 1;
		V_layer3_chain.lock = 0;
		V_layer3_chain.rules = NULL;
		V_owner_name = "vnet_owner";
		/* No calls: this pair loads on every profile (kmod.h). */
		return (V_owner_name != NULL ? 0 : 22);
	case MOD_UNLOAD:
		V_owner_enable = 0;
		return (0);
	default:
		return (45);	/* EOPNOTSUPP */
	}
}

static moduledata_t vnet_owner_mod = {
	"vnet_owner",
	vnet_owner_modevent,
	NULL
};

DECLARE_MODULE(vnet_owner, vnet_owner_mod, SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY);
MODULE_VERSION(vnet_owner, 1);
