/*
 * kernel.c: a stand-in FreeBSD kernel for the kldcheck fixtures. It holds
 * what a kernel linker simulation needs from a real kernel: the master
 * set_vnet and set_pcpu sets with the module space arrays inside them
 * (sys/net/vnet.c, sys/kern/subr_pcpu.c), osreldate and version, a
 * MODULE_VERSION(kernel) record, an ifunc (as amd64/arm64/i386/powerpc/riscv
 * kernels have, so the kernel carries an IRELATIVE relocation), and stubs of
 * every kernel function the fixture modules import. Built without KLD_MODULE.
 */
#include "kmod.h"

#define VNET_MODMIN	(8 * PAGE_SIZE)	/* sys/net/vnet.c, FreeBSD 14 */
#define DPCPU_MODMIN	2048		/* sys/sys/pcpu.h */

int osreldate = 1400097;
char version[] = "FreeBSD 14.0-RELEASE kldcheck stand-in kernel "
    "(not FreeBSD code; built by testdata/build.sh)\n";

MODULE_VERSION(kernel, __FreeBSD_version);

#ifdef KM_BUILTIN_MODULES
/*
 * Modules GENERIC compiles in (device pci, device ether): the kernel's own
 * MODULE_VERSION records, which satisfy modules' MODULE_DEPEND without any
 * file (kern_linker.c linker_preload). Only the tree-* kernels have them.
 */
MODULE_VERSION(pci, 1);
MODULE_VERSION(ether, 1);
#endif

/* The kernel's own virtualized and per-CPU variables. */
VNET_DEFINE(int, kern_vnet_counter) = 7;
VNET_DEFINE(struct vnet *, kern_vnet_self);
VNET_DEFINE_STATIC(char, modspace[VNET_MODMIN]) __aligned(sizeof(void *));
DPCPU_DEFINE(int, kern_pcpu_curcpu);
DPCPU_DEFINE_STATIC(char, modspace[DPCPU_MODMIN]) __aligned(sizeof(void *));

static struct vnet vnet0;
static char dpcpu0[2 * PAGE_SIZE];
uintptr_t dpcpu_off[1];
struct malloc_type M_TEMP[1];

/* curthread->td_vnet and PCPU_GET(dynamic) stand-ins (see kmod.h). */
struct vnet *kern_curvnet = &vnet0;
uintptr_t kern_dpcpu_base;

struct vnet *
curvnet_get(void)
{
	return (kern_curvnet);
}

/* The allocators' view of module space (sys/net/vnet.c vnet_data_startup). */
uintptr_t
kern_modspace(int pcpu, size_t *sizep)
{
	if (pcpu) {
		*sizep = sizeof(DPCPU_NAME(modspace));
		return ((uintptr_t)&DPCPU_NAME(modspace));
	}
	*sizep = sizeof(VNET_NAME(modspace));
	return ((uintptr_t)&VNET_NAME(modspace));
}

/* An ifunc, resolved at boot in FreeBSD by link_elf_ireloc. */
static void
bzero_plain(void *p, size_t n)
{
	volatile char *c = p;

	while (n-- > 0)
		*c++ = 0;
}

static void *
bzero_resolve(void)
{
	return ((void *)bzero_plain);
}

void bzero(void *, size_t) __attribute__((__ifunc__("bzero_resolve")));

int printf(const char *fmt, ...) { (void)fmt; return (0); }
void panic(const char *fmt, ...) { (void)fmt; for (;;) ; }
void *malloc(size_t n, struct malloc_type *t, int f) { (void)n; (void)t; (void)f; return (NULL); }
void free(void *p, struct malloc_type *t) { (void)p; (void)t; }
void module_register_init(const void *arg) { (void)arg; }

int vm_map_find(vm_map_t map, vm_object_t obj, vm_ooffset_t off, vm_offset_t *addr,
    vm_size_t len, vm_offset_t max, int find, vm_prot_t prot, vm_prot_t maxprot, int cow)
{ (void)map; (void)obj; (void)off; (void)addr; (void)len; (void)max; (void)find;
  (void)prot; (void)maxprot; (void)cow; return (0); }
int vm_map_remove(vm_map_t map, vm_offset_t s, vm_offset_t e)
{ (void)map; (void)s; (void)e; return (0); }
int pmap_enter(pmap_t pmap, vm_offset_t va, vm_page_t m, vm_prot_t prot, u_int flags, signed char psind)
{ (void)pmap; (void)va; (void)m; (void)prot; (void)flags; (void)psind; return (0); }
vm_object_t vm_pager_allocate(enum obj_type t, void *h, vm_ooffset_t size, vm_prot_t prot,
    vm_ooffset_t off, struct ucred *cred)
{ (void)t; (void)h; (void)size; (void)prot; (void)off; (void)cred; return (NULL); }
vm_object_t vm_object_allocate(enum obj_type t, vm_pindex_t n) { (void)t; (void)n; return (NULL); }
void vm_object_reference(vm_object_t o) { (void)o; }
void vm_object_deallocate(vm_object_t o) { (void)o; }
vm_page_t vm_page_alloc(vm_object_t o, vm_pindex_t i, int f) { (void)o; (void)i; (void)f; return (NULL); }
void vm_page_valid(vm_page_t m) { (void)m; }

/* Entry point (btext in FreeBSD's locore). */
void
btext(void)
{
	size_t n;

	dpcpu_off[0] = (uintptr_t)dpcpu0 - DPCPU_START;
	kern_dpcpu_base = dpcpu_off[0];
	vnet0.vnet_magic_n = VNET_MAGIC_N;
	vnet0.vnet_data_base = 0;
	bzero((void *)kern_modspace(0, &n), n);
	VNET(kern_vnet_self) = &vnet0;
	DPCPU_SET(kern_pcpu_curcpu, 0);
	printf("%s", version);
	for (;;)
		;
}
