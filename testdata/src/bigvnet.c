/*
 * bigvnet.c: VNET data larger than the kernel's 32768-byte VNET module space
 * and DPCPU data larger than its 2048-byte DPCPU module space: kldload fails
 * with ENOSPC ("... module space is out of space; cannot allocate ...").
 */
#include "kmod.h"

VNET_DEFINE(char, big_table[40000]);
#define V_big_table		VNET(big_table)
DPCPU_DEFINE(char, big_pcpu[3000]);

int
bigvnet_touch(int i)
{
	V_big_table[i % 40000]++;
	DPCPU_GET(big_pcpu)[i % 3000]++;
	return (V_big_table[i % 40000] + DPCPU_GET(big_pcpu)[i % 3000]);
}

static int
bigvnet_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t bigvnet_mod = { "bigvnet", bigvnet_modevent, NULL };

DECLARE_MODULE(bigvnet, bigvnet_mod, SI_SUB_PSEUDO, SI_ORDER_ANY);
