/*
 * dataonly.c: a module with no code at all, only its metadata (as firmware
 * and some interface modules are). Built twice, as dataonly_a.ko and
 * dataonly_b.ko (-DKM_NAME=...). On amd64, with .text and .rodata merged as
 * kmod.mk's linker script does, .text is empty and the module-name string is
 * the first byte of .rodata: at the very start of the module's image, where a
 * reader that takes address 0 for NULL loses the name.
 */
#include "kmod.h"

/* One level of indirection, so that KM_NAME is expanded before # and ##. */
#define DATAONLY_MODULE(n)                                              \
	static moduledata_t n##_mod = { #n, NULL, NULL };              \
	DECLARE_MODULE(n, n##_mod, SI_SUB_DRIVERS, SI_ORDER_ANY);      \
	MODULE_VERSION(n, 1)
#define DATAONLY_MODULE_OF(n) DATAONLY_MODULE(n)

DATAONLY_MODULE_OF(KM_NAME);
