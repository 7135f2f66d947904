/*
 * vnet_user.c: uses another module's VNET and DPCPU variables, as
 * ipfw_nat.ko uses ipfw.ko's V_layer3_chain (seeds 000/001: before the 2011
 * fix, link_elf resolved these to the owner's image copy, not module space).
 */
#include "kmod.h"

struct rule {
	struct rule	*next;
	int		rulenum;
	unsigned long	pcnt;
};

struct rule_chain {
	volatile u_int	lock;
	struct rule	*rules;
	int		n_rules;
};

/* Owned by vnet_owner.ko. */
VNET_DECLARE(struct rule_chain, layer3_chain);
#define V_layer3_chain		VNET(layer3_chain)
VNET_DECLARE(int, owner_enable);
#define V_owner_enable		VNET(owner_enable)
DPCPU_DECLARE(unsigned long, owner_pcpu_hits);
struct rule_chain *vnet_owner_chain(void);

/* Our own, like ipfw_nat's ifaddr_event_tag. */
VNET_DEFINE_STATIC(int, nat_count);
#define V_nat_count		VNET(nat_count)

struct rule *
nat_lookup(int rulenum)
{
	struct rule_chain *ch = &V_layer3_chain;
	struct rule *r;

	if (!V_owner_enable)
		return (NULL);
	for (r = ch->rules; r != NULL; r = r->next)
		if (r->rulenum == rulenum)
			return (r);
	return (NULL);
}

int
nat_count_rules(void)
{
	struct rule_chain *ch = &V_layer3_chain;

	DPCPU_GET(owner_pcpu_hits)++;
	V_nat_count = ch->n_rules;
	return (V_nat_count);
}

unsigned long *
nat_hits_ptr(void)
{
	return (DPCPU_PTR(owner_pcpu_hits));
}

static int
vnet_user_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	switch (type) {
	case MOD_LOAD:
		/*
		 * ipfw_nat_modevent took IPFW_WLOCK(&V_layer3_chain) here and
		 * crashed (seed 000). No calls: this pair loads on every
		 * profile (kmod.h).
		 */
		if (V_layer3_chain.lock != 0)
			return (16);	/* EBUSY */
		V_nat_count = 0;
		return (0);
	case MOD_UNLOAD:
		return (0);
	default:
		return (45);	/* EOPNOTSUPP */
	}
}

static moduledata_t vnet_user_mod = {
	"vnet_user",
	vnet_user_modevent,
	NULL
};

DECLARE_MODULE(vnet_user, vnet_user_mod, SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY);
MODULE_DEPEND(vnet_user, vnet_owner, 1, 1, 1);
MODULE_VERSION(vnet_user, 1);
