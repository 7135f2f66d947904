/*
 * kmod.h: a small, self-contained stand-in for the parts of FreeBSD's kernel
 * headers that decide how a kernel module lays out its data. Written for the
 * kldcheck fixtures; no FreeBSD code is included. Each block names the
 * FreeBSD header whose ABI it mimics (FreeBSD 14.0 era).
 *
 * Compile with -ffreestanding -nostdinc -D_KERNEL, and -DKLD_MODULE for
 * modules (not for the stand-in kernel).
 */
#ifndef KMOD_H
#define KMOD_H

/* sys/sys/param.h: the source may define its own before including us. */
#ifndef __FreeBSD_version
#define __FreeBSD_version 1400097
#endif

/* sys/sys/_types.h, sys/sys/types.h */
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __SIZE_TYPE__ size_t;
typedef unsigned char u_char;
typedef unsigned int u_int;
typedef unsigned long u_long;
typedef long off_t;
typedef u_long vm_offset_t;
typedef u_long vm_size_t;
typedef unsigned long long vm_ooffset_t;
typedef unsigned long long vm_paddr_t;
typedef u_long vm_pindex_t;
typedef u_char vm_prot_t;
#define NULL ((void *)0)
#define PAGE_SIZE 4096

/* sys/sys/cdefs.h */
#define KM_STR1(x) #x
#define KM_STR(x) KM_STR1(x)            /* __XSTRING */
#define KM_CAT1(a, b) a##b
#define KM_CAT(a, b) KM_CAT1(a, b)      /* __CONCAT */
#define __used __attribute__((__used__))
#define __aligned(n) __attribute__((__aligned__(n)))
#define __section(s) __attribute__((__section__(s)))
/* __GLOBL: an undefined global reference the static linker must satisfy. */
#define __GLOBL(sym) __asm__(".globl " KM_STR(sym))
/* __WEAK: a weak reference; linker_set.h uses it for set bounds. */
#define __WEAK(sym) __asm__(".weak " KM_STR(sym))

/*
 * sys/sys/linker_set.h: a linker set is a section "set_<name>" of pointers;
 * the static linker supplies __start_set_<name> and __stop_set_<name>.
 * FreeBSD 14 marks these bounds with __WEAK (older trees used __GLOBL).
 */
#define KM_MAKE_SET(set, sym)                                           \
	__WEAK(__start_set_##set);                                      \
	__WEAK(__stop_set_##set);                                       \
	static void const *const __set_##set##_sym_##sym                \
	    __section("set_" #set) __used __aligned(sizeof(void *)) = &(sym)
#define DATA_SET(set, sym)  KM_MAKE_SET(set, sym)
#define DATA_WSET(set, sym) KM_MAKE_SET(set, sym)
#define TEXT_SET(set, sym)  KM_MAKE_SET(set, sym)

/*
 * Which arches drop "static" from VNET_DEFINE_STATIC / DPCPU_DEFINE_STATIC
 * in modules: a static variable would be reached PC-relatively (or GOTOFF
 * on i386), which the kernel linker cannot redirect (sys/net/vnet.h,
 * sys/sys/pcpu.h). The 14/15-era headers list aarch64, riscv, powerpc64 and
 * i386 (i386 since its modules are built -fPIC); 12.x listed only the first
 * two.
 */
#if defined(KLD_MODULE) && (defined(__aarch64__) || defined(__riscv) || \
    defined(__powerpc64__) || defined(__i386__))
#define KM_SET_STATIC
#else
#define KM_SET_STATIC static
#endif

/* sys/net/vnet.h: virtualized network stack variables. */
struct vnet {
	u_int		vnet_magic_n;
	u_int		vnet_ifcnt;
	u_int		vnet_sockcnt;
	u_int		vnet_state;
	void		*vnet_data_mem;
	uintptr_t	vnet_data_base;
};
#define VNET_MAGIC_N 0x3e0d8f29

extern uintptr_t *__start_set_vnet;
__GLOBL(__start_set_vnet);
extern uintptr_t *__stop_set_vnet;
__GLOBL(__stop_set_vnet);
#define VNET_START ((uintptr_t)&__start_set_vnet)
#define VNET_STOP  ((uintptr_t)&__stop_set_vnet)

/*
 * curvnet is curthread->td_vnet in FreeBSD: a load, not a call. Here it is a
 * kernel variable, so that modules using VNET make no function calls (whose
 * PLT relocations FreeBSD 8's kernel linker rejected on i386 and amd64).
 */
#ifdef KM_CURVNET_CALL
/*
 * vnet_local.c reaches curvnet through a call instead, so that its GOT loads
 * are not interleaved with the curvnet load and stay adjacent pairs.
 */
struct vnet *curvnet_get(void);
#define curvnet (curvnet_get())
#else
extern struct vnet *kern_curvnet;
#define curvnet (kern_curvnet)
#endif

#define VNET_NAME(n)              vnet_entry_##n
#define VNET_DECLARE(t, n)        extern t VNET_NAME(n)
#define VNET_DEFINE(t, n)         t VNET_NAME(n) __section("set_vnet") __used
#define VNET_DEFINE_STATIC(t, n)  KM_SET_STATIC VNET_DEFINE(t, n)
#define VNET_PTR_BASE(b, n)                                             \
	((__typeof(VNET_NAME(n)) *)((b) + (uintptr_t)&VNET_NAME(n)))
#define VNET_VNET_PTR(vnet, n)    VNET_PTR_BASE((vnet)->vnet_data_base, n)
#define VNET_VNET(vnet, n)        (*VNET_VNET_PTR(vnet, n))
#define VNET_PTR(n)               VNET_VNET_PTR(curvnet, n)
#define VNET(n)                   (*VNET_PTR(n))

/* sys/sys/pcpu.h: dynamic per-CPU variables. */
extern uintptr_t *__start_set_pcpu;
__GLOBL(__start_set_pcpu);
extern uintptr_t *__stop_set_pcpu;
__GLOBL(__stop_set_pcpu);
#define DPCPU_START ((uintptr_t)&__start_set_pcpu)
#define DPCPU_STOP  ((uintptr_t)&__stop_set_pcpu)

/* PCPU_GET(dynamic) in FreeBSD, a load from the pcpu; here a kernel variable. */
extern uintptr_t kern_dpcpu_base;
extern uintptr_t dpcpu_off[];   /* per-CPU bases for remote access */

#define DPCPU_NAME(n)             pcpu_entry_##n
#define DPCPU_DECLARE(t, n)       extern t DPCPU_NAME(n)
#define DPCPU_DEFINE(t, n)        t DPCPU_NAME(n) __section("set_pcpu") __used
#define DPCPU_DEFINE_STATIC(t, n) KM_SET_STATIC DPCPU_DEFINE(t, n)
#define DPCPU_PTR_BASE(b, n)                                            \
	((__typeof(DPCPU_NAME(n)) *)((b) + (uintptr_t)&DPCPU_NAME(n)))
#define DPCPU_PTR(n)              DPCPU_PTR_BASE(kern_dpcpu_base, n)
#define DPCPU_GET(n)              (*DPCPU_PTR(n))
#define DPCPU_SET(n, v)           (*DPCPU_PTR(n) = (v))
#define DPCPU_ID_PTR(i, n)        DPCPU_PTR_BASE(dpcpu_off[(i)], n)
#define DPCPU_ID_GET(i, n)        (*DPCPU_ID_PTR(i, n))

/* sys/sys/kernel.h: SYSINIT records in linker set sysinit_set. */
enum sysinit_sub_id {
	SI_SUB_KLD	= 0x2000000,
	SI_SUB_DRIVERS	= 0x3100000,
	SI_SUB_PROTO_DOMAIN = 0x8800000,
	SI_SUB_PSEUDO	= 0x7000000,
};
enum sysinit_elem_order {
	SI_ORDER_FIRST	= 0x0000000,
	SI_ORDER_MIDDLE	= 0x1000000,
	SI_ORDER_ANY	= 0xfffffff,
};
typedef void (*sysinit_cfunc_t)(const void *);
struct sysinit {
	enum sysinit_sub_id	subsystem;
	enum sysinit_elem_order	order;
	sysinit_cfunc_t		func;
	const void		*udata;
};
#define SYSINIT(uniq, sub, ord, fn, arg)                                \
	static struct sysinit uniq##_sys_init = {                       \
		sub, ord, (sysinit_cfunc_t)(fn), (const void *)(arg) }; \
	DATA_WSET(sysinit_set, uniq##_sys_init)

/* sys/sys/module.h: module metadata, linker set modmetadata_set. */
struct module;
typedef int (*modeventhand_t)(struct module *, int, void *);
typedef struct moduledata {
	const char	*name;
	modeventhand_t	evhand;
	void		*priv;
} moduledata_t;
enum modeventtype { MOD_LOAD, MOD_UNLOAD, MOD_SHUTDOWN, MOD_QUIESCE };

#define MDT_DEPEND		1
#define MDT_MODULE		2
#define MDT_VERSION		3
#define MDT_STRUCT_VERSION	1

struct mod_depend {
	int	md_ver_minimum;
	int	md_ver_preferred;
	int	md_ver_maximum;
};
struct mod_version {
	int	mv_version;
};
struct mod_metadata {
	int		md_version;	/* MDT_STRUCT_VERSION */
	int		md_type;	/* MDT_* */
	const void	*md_data;
	const char	*md_cval;
};

void module_register_init(const void *);

/* Any later minor release of the same major version will do. */
#define MODULE_KERNEL_MAXVER \
	(((__FreeBSD_version + 99999) / 100000) * 100000 - 1)

#define MODULE_METADATA(uniq, type, data, cval)                         \
	static struct mod_metadata _mod_metadata##uniq = {              \
		MDT_STRUCT_VERSION, type, data, cval };                 \
	DATA_SET(modmetadata_set, _mod_metadata##uniq)

#define MODULE_DEPEND(mod, dep, vmin, vpref, vmax)                      \
	static struct mod_depend _##mod##_depend_on_##dep               \
	    __section(".data") = { vmin, vpref, vmax };                 \
	MODULE_METADATA(_md_##mod##_on_##dep, MDT_DEPEND,               \
	    &_##mod##_depend_on_##dep, #dep)

#define MODULE_VERSION(mod, ver)                                        \
	static struct mod_version _##mod##_version                      \
	    __section(".data") = { ver };                               \
	MODULE_METADATA(_##mod##_version, MDT_VERSION,                  \
	    &_##mod##_version, #mod)

#define DECLARE_MODULE(name, data, sub, order)                          \
	MODULE_DEPEND(name, kernel, __FreeBSD_version,                  \
	    __FreeBSD_version, MODULE_KERNEL_MAXVER);                   \
	MODULE_METADATA(_md_##name, MDT_MODULE, &data, #name);          \
	SYSINIT(name##module, sub, order, module_register_init, &data); \
	struct __hack

/* Kernel functions modules call (sys/sys/systm.h, sys/sys/malloc.h). */
int printf(const char *, ...);
void panic(const char *, ...) __attribute__((__noreturn__));
struct malloc_type { long ks_opaque[2]; };
extern struct malloc_type M_TEMP[1];
void *malloc(size_t, struct malloc_type *, int);
void free(void *, struct malloc_type *);
#define M_WAITOK 0x0002
#define M_ZERO   0x0100

/* sys/vm: opaque types and simplified prototypes (FreeBSD 14 argument order). */
struct vm_map;
struct vm_object;
struct vm_page;
struct pmap;
struct ucred;
typedef struct vm_map *vm_map_t;
typedef struct vm_object *vm_object_t;
typedef struct vm_page *vm_page_t;
typedef struct pmap *pmap_t;
#define VM_PROT_READ	0x01
#define VM_PROT_WRITE	0x02
#define VM_PROT_ALL	0x07
#define VMFS_ANY_SPACE	1
#define PMAP_ENTER_WIRED 0x00000200
#define VM_ALLOC_NORMAL	0
#define VM_ALLOC_WIRED	0x0020
#define VM_ALLOC_ZERO	0x0040
enum obj_type { OBJT_DEFAULT, OBJT_SWAP, OBJT_DEAD, OBJT_VNODE, OBJT_DEVICE,
	OBJT_PHYS, OBJT_SG, OBJT_MGTDEVICE };

int vm_map_find(vm_map_t, vm_object_t, vm_ooffset_t, vm_offset_t *,
    vm_size_t, vm_offset_t, int, vm_prot_t, vm_prot_t, int);
int vm_map_remove(vm_map_t, vm_offset_t, vm_offset_t);
int pmap_enter(pmap_t, vm_offset_t, vm_page_t, vm_prot_t, u_int, signed char);
vm_object_t vm_pager_allocate(enum obj_type, void *, vm_ooffset_t, vm_prot_t,
    vm_ooffset_t, struct ucred *);
vm_object_t vm_object_allocate(enum obj_type, vm_pindex_t);
void vm_object_reference(vm_object_t);
void vm_object_deallocate(vm_object_t);
vm_page_t vm_page_alloc(vm_object_t, vm_pindex_t, int);
void vm_page_valid(vm_page_t);

#endif /* KMOD_H */
