/*
 * vmmap_bad.c: seed 002 (VirtualBox IPRT, 2011). Maps pages into a user
 * process by reserving a range with no VM object (vm_map_find with object
 * NULL) and entering each page into the process pmap by hand. The pmap is a
 * cache the VM system may destroy and rebuild from the map entries and their
 * objects; this range has no object, so the pages vanish, and a page whose
 * valid bits are clear panics in vm_page_dirty.
 */
#include "kmod.h"

int
vmmap_bad_map(vm_map_t map, pmap_t pmap, vm_page_t *pages, int npages,
    vm_offset_t *addrp)
{
	vm_offset_t addr = *addrp;
	vm_size_t size = (vm_size_t)npages * PAGE_SIZE;
	int i, rv;

	rv = vm_map_find(map, NULL /* object */, 0, &addr, size, 0,
	    VMFS_ANY_SPACE, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, 0);
	if (rv != 0)
		return (12);	/* ENOMEM */
	for (i = 0; i < npages; i++)
		pmap_enter(pmap, addr + (vm_offset_t)i * PAGE_SIZE, pages[i],
		    VM_PROT_READ | VM_PROT_WRITE,
		    VM_PROT_READ | VM_PROT_WRITE | PMAP_ENTER_WIRED, 0);
	*addrp = addr;
	return (0);
}

static int
vmmap_bad_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t vmmap_bad_mod = { "vmmap_bad", vmmap_bad_modevent, NULL };

DECLARE_MODULE(vmmap_bad, vmmap_bad_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
