/*
 * corpus.h: types shared by the benchmark corpus that bench/corpus generates
 * (a FreeBSD-like /boot/kernel of synthetic modules and a stand-in kernel).
 * Included after testdata/src/kmod.h by every generated module and by the
 * generated kernel file (kernel_corpus.c). Written for kldcheck; no FreeBSD
 * code.
 */
#ifndef CORPUS_H
#define CORPUS_H

/* A driver's per-instance state (a softc). */
struct kc_softc {
	int		unit;
	u_int		flags;
	long		stats[8];
	void		*res;
	const char	*desc;
	struct kc_softc	*next;
	long		(*cb)(struct kc_softc *, long);
};

/* The one signature of module functions that go into tables. */
typedef long kc_fn_t(struct kc_softc *, long);

/* An ops vector (like kobj methods or cdevsw): absolute pointers in data. */
struct kc_ops {
	const char	*name;
	int		version;
	kc_fn_t		*fn[12];
};

/* A sysctl-like record, collected in linker set sysctl_set. */
struct kc_oid {
	const char	*name;
	void		*arg;
	int		kind;
	int		flags;
	const char	*descr;
	kc_fn_t		*handler;
};

#define KC_OID(mod, id, nm, arg, kind, descr, h)                        \
	static struct kc_oid mod##_oid_##id = {                         \
		nm, arg, kind, 0, descr, h };                           \
	DATA_SET(sysctl_set, mod##_oid_##id)

/* A module's instances (a softc array and a list), statistics, NSC. */
#define KC_STATE(mod, n)                                                \
	enum { NSC = n };                                               \
	static struct kc_softc mod##_sc[NSC];                           \
	struct kc_softc *mod##_head;                                    \
	static long mod##_stats[32]

/*
 * The event handler, moduledata, DECLARE_MODULE and MODULE_VERSION: on load
 * link the instances, set VNET variable v and run function first.
 */
#define KC_MODULE(mod, ver, v, first)                                   \
	static int                                                      \
	mod##_modevent(struct module *m, int type, void *arg)           \
	{                                                               \
		int i;                                                  \
									\
		(void)m;                                                \
		(void)arg;                                              \
		switch (type) {                                         \
		case MOD_LOAD:                                          \
			for (i = 0; i < NSC; i++) {                     \
				mod##_sc[i].unit = i;                   \
				mod##_sc[i].desc = #mod;                \
				mod##_sc[i].next = mod##_head;          \
				mod##_head = &mod##_sc[i];              \
			}                                               \
			v = 1;                                          \
			return ((int)first(&mod##_sc[0], 0));           \
		case MOD_UNLOAD:                                        \
			mod##_head = NULL;                              \
			return (0);                                     \
		default:                                                \
			return (45);	/* EOPNOTSUPP */                \
		}                                                       \
	}                                                               \
	static moduledata_t mod##_mod = { #mod, mod##_modevent, NULL }; \
	DECLARE_MODULE(mod, mod##_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE); \
	MODULE_VERSION(mod, ver)

/*
 * corpus_syms.h, generated, names the stand-in kernel's functions and
 * variables and what the library modules export, as X-macro calls. The
 * generated kernel file defines KC_KERNEL and gets the kernel's definitions;
 * everyone else gets declarations.
 */
#ifdef KC_KERNEL
#define KC_FN0(n, i)	long n(long a, long b) { return (a * i + b); }
#define KC_FN1(n, i)	void *n(void *p, u_long s) { return ((char *)p + s + i); }
#define KC_FN2(n, i)	int n(void *p, const char *f, ...) { (void)p; return (f[i & 3]); }
#define KC_FN3(n, i)	void n(void *p) { *(volatile long *)p = i; }
#define KC_GLOB(n)	long n[8];
#define KC_INT(n)	int n = 1;
#define KC_VNET(n)	VNET_DEFINE(long, n[4]);
#define KC_PCPU(n)	DPCPU_DEFINE(long, n);
#else
#define KC_FN0(n, i)	long n(long, long);
#define KC_FN1(n, i)	void *n(void *, u_long);
#define KC_FN2(n, i)	int n(void *, const char *, ...);	/* printf-like */
#define KC_FN3(n, i)	void n(void *);				/* lock-like */
#define KC_GLOB(n)	extern long n[8];
#define KC_INT(n)	extern int n;
#define KC_VNET(n)	VNET_DECLARE(long, n[4]);
#define KC_PCPU(n)	DPCPU_DECLARE(long, n);
#endif
#define KC_LIBFN(n)	long n(struct kc_softc *, long);
#define KC_LIBVNET(n)	VNET_DECLARE(long, n);
#define KC_LIBPCPU(n)	DPCPU_DECLARE(long, n);
#include "corpus_syms.h"

#endif /* CORPUS_H */
