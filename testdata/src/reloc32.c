/*
 * reloc32.c (amd64 only): a 32-bit absolute word (R_X86_64_32) holding the
 * address of a local variable. No amd64 elf_machdep.c handles R_X86_64_32,
 * and the symbol is local, so link_elf_obj.c meets it in its local pass:
 * 15-CURRENT fails the load there (ENOEXEC), 12.x and before print
 * "unexpected relocation type" and load the module with the word unset.
 */
#include "kmod.h"

static int reloc32_counter __attribute__((used));

__asm__(".pushsection .data\n"
	".globl reloc32_addr\n"
	"reloc32_addr: .long reloc32_counter\n"
	".popsection");

static int
reloc32_modevent(struct module *mod, int type, void *arg)
{
	(void)mod;
	(void)arg;
	(void)type;
	return (reloc32_counter);
}

static moduledata_t reloc32_mod = { "reloc32", reloc32_modevent, NULL };

DECLARE_MODULE(reloc32, reloc32_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
