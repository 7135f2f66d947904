/*
 * declare.c: module metadata assembled from -D flags, for the cases of one
 * module name declared more than once (kern_linker.c
 * linker_file_register_modules and linker_addmodules, kern_module.c
 * module_register):
 *   KM_DECLARE=name   DECLARE_MODULE(name) (an MDT_MODULE record)
 *   KM_VERSION=name   MODULE_VERSION(name, 1) (an MDT_VERSION record)
 *   KM_PART=n         makes this object's static names unique, so that two
 *                     objects of one module may declare the same name
 *   KM_VNET_BYTES=n   an n-byte VNET variable (a module's share of VNET
 *                     module space, for the boot-set fixtures)
 *   KM_DEPEND=name    MODULE_DEPEND on version KM_DEPVER (default 1) of name
 *                     (an MDT_DEPEND record), as drm-kmod's i915kms on drmn
 *   KM_VERNUM=n       the version KM_VERSION gives (default 1)
 * Each object has one function, KM_CAT(declare_fn_, KM_PART).
 */
#include "kmod.h"

#ifndef KM_PART
#define KM_PART 0
#endif

int
KM_CAT(declare_fn_, KM_PART)(int x)
{
	return (x * 3 + KM_PART);
}

#ifdef KM_VNET_BYTES
VNET_DEFINE(char, KM_CAT(declare_vnet_, KM_PART)[KM_VNET_BYTES]);

char *
KM_CAT(declare_vnet_ptr_, KM_PART)(void)
{
	return (&VNET(KM_CAT(declare_vnet_, KM_PART))[0]);
}
#endif

#ifdef KM_DECLARE
static int
KM_CAT(declare_modevent_, KM_PART)(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t KM_CAT(declare_mod_, KM_PART) = {
	KM_STR(KM_DECLARE), KM_CAT(declare_modevent_, KM_PART), NULL };

/* DECLARE_MODULE's MDT_MODULE record, with this part's static names. */
static struct mod_metadata KM_CAT(declare_md_, KM_PART) = {
	MDT_STRUCT_VERSION, MDT_MODULE, &KM_CAT(declare_mod_, KM_PART),
	KM_STR(KM_DECLARE) };
DATA_SET(modmetadata_set, KM_CAT(declare_md_, KM_PART));
#endif

#ifndef KM_VERNUM
#define KM_VERNUM 1
#endif
#ifndef KM_DEPVER
#define KM_DEPVER 1
#endif

#ifdef KM_VERSION
static struct mod_version KM_CAT(declare_version_, KM_PART)
    __section(".data") = { KM_VERNUM };
static struct mod_metadata KM_CAT(declare_mdv_, KM_PART) = {
	MDT_STRUCT_VERSION, MDT_VERSION, &KM_CAT(declare_version_, KM_PART),
	KM_STR(KM_VERSION) };
DATA_SET(modmetadata_set, KM_CAT(declare_mdv_, KM_PART));
#endif

#ifdef KM_DEPEND
static struct mod_depend KM_CAT(declare_dep_, KM_PART)
    __section(".data") = { KM_DEPVER, KM_DEPVER, KM_DEPVER };
static struct mod_metadata KM_CAT(declare_mdd_, KM_PART) = {
	MDT_STRUCT_VERSION, MDT_DEPEND, &KM_CAT(declare_dep_, KM_PART),
	KM_STR(KM_DEPEND) };
DATA_SET(modmetadata_set, KM_CAT(declare_mdd_, KM_PART));
#endif
