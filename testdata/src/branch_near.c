/*
 * branch_near.c: branch.c without the gap: on arm64 every branch to the
 * ifunc is within reach and the module loads.
 */
#define	BRANCH_GAP "0"
#include "branch.h"

static moduledata_t branch_near_mod = { "branch_near", branch_modevent, NULL };

DECLARE_MODULE(branch_near, branch_near_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
