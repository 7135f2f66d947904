/*
 * vmmap_good.c: seed 002 done the sound way. The pages belong to an
 * OBJT_PHYS VM object and the map entry references that object, so a fault
 * can always refill the pmap from it; no pmap_enter. (Simplified: a real
 * driver also takes the object lock around vm_page_alloc.)
 */
#include "kmod.h"

int
vmmap_good_map(vm_map_t map, int npages, vm_offset_t *addrp,
    vm_object_t *objp)
{
	vm_offset_t addr = *addrp;
	vm_size_t size = (vm_size_t)npages * PAGE_SIZE;
	vm_object_t obj;
	vm_page_t m;
	int i, rv;

	obj = vm_pager_allocate(OBJT_PHYS, NULL, size, VM_PROT_ALL, 0, NULL);
	if (obj == NULL)
		return (12);	/* ENOMEM */
	for (i = 0; i < npages; i++) {
		m = vm_page_alloc(obj, (vm_pindex_t)i,
		    VM_ALLOC_NORMAL | VM_ALLOC_WIRED | VM_ALLOC_ZERO);
		if (m == NULL) {
			vm_object_deallocate(obj);
			return (12);
		}
		vm_page_valid(m);
	}
	vm_object_reference(obj);	/* the map entry's reference */
	rv = vm_map_find(map, obj, 0, &addr, size, 0, VMFS_ANY_SPACE,
	    VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, 0);
	if (rv != 0) {
		vm_object_deallocate(obj);
		vm_object_deallocate(obj);
		return (22);	/* EINVAL */
	}
	*addrp = addr;
	*objp = obj;
	return (0);
}

void
vmmap_good_unmap(vm_map_t map, vm_offset_t addr, int npages, vm_object_t obj)
{
	vm_map_remove(map, addr, addr + (vm_offset_t)npages * PAGE_SIZE);
	vm_object_deallocate(obj);
}

static int
vmmap_good_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t vmmap_good_mod = { "vmmap_good", vmmap_good_modevent, NULL };

DECLARE_MODULE(vmmap_good, vmmap_good_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
