/*
 * kerndep.c: depends on modules that GENERIC compiles into the kernel
 * (pci, ether), as most real drivers do. The tree holds no pci.ko or
 * ether.ko: the kernel's own set_modmetadata_set provides them (registered
 * at boot by kern_linker.c linker_preload), so the dependencies resolve
 * only against a kernel that has them built in.
 */
#include "kmod.h"

int
kerndep_probe(int unit)
{
	return (unit + 1);
}

static int
kerndep_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t kerndep_mod = { "kerndep", kerndep_modevent, NULL };

DECLARE_MODULE(kerndep, kerndep_mod, SI_SUB_DRIVERS, SI_ORDER_ANY);
MODULE_VERSION(kerndep, 1);
MODULE_DEPEND(kerndep, pci, 1, 1, 1);
MODULE_DEPEND(kerndep, ether, 1, 1, 1);
