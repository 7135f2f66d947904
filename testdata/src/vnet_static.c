/*
 * vnet_static.c: a VNET and a DPCPU variable defined truly static, the mistake
 * VNET_DEFINE_STATIC/DPCPU_DEFINE_STATIC exist to prevent on arm64, riscv and
 * powerpc64 (sys/net/vnet.h, sys/sys/pcpu.h): the compiler then reaches them
 * PC-relatively (arm64 adrp+add, riscv64 auipc+addi, i386 @GOTOFF, powerpc64
 * TOC-relative), a form no relocation of the final module describes, so the
 * kernel linker cannot move the references to module space.
 */
#include "kmod.h"

static VNET_DEFINE(int, static_count) = 0;
#define V_static_count		VNET(static_count)
static DPCPU_DEFINE(unsigned long, static_hits) = 0;

int
vnet_static_bump(void)
{
	DPCPU_GET(static_hits)++;
	return (++V_static_count);
}

static int
vnet_static_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	return (type == MOD_LOAD || type == MOD_UNLOAD ? 0 : 45);
}

static moduledata_t vnet_static_mod = { "vnet_static", vnet_static_modevent, NULL };

DECLARE_MODULE(vnet_static, vnet_static_mod, SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY);
