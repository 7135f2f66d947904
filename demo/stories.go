package demo

var stories = []Story{
	{
		Title: "ipfw_nat.ko and V_layer3_chain (the 2011 freebsd-net thread; FreeBSD 8)",
		Intro: `kldload ipfw_nat on an i386 VIMAGE kernel: "Fatal trap 12: page fault ... fault virtual address = 0x4"
in ipfw_nat_modevent. V_layer3_chain is defined in ipfw.ko; the kernel linker moved ipfw.ko's set_vnet
into module space, but redirected only ipfw.ko's own references to it. vnet_user.ko plays ipfw_nat,
vnet_owner.ko plays ipfw (it is found through MODULE_DEPEND and loaded first).`,
		Runs: []Run{
			{Config: "i386", Profile: "freebsd-8.2", Modules: []string{"vnet_user.ko"},
				Explain: `Each reference resolves to vnet_owner.ko's own image copy of the variable, not its module-space copy:
VNET(x) then adds vnet_data_base to the wrong address, as &V_layer3_chain did in ipfw_nat.`},
			{Config: "i386", Profile: "freebsd-14", Modules: []string{"vnet_user.ko"}, Clean: true,
				Explain: `Since the 2011 fix, elf_lookup passes symbol values through elf_set_find over every loaded module's
sets (set_pcpu_list, set_vnet_list): the same references now reach module space.`},
			{Config: "amd64", Profile: "freebsd-8.2", Modules: []string{"vnet_user.ko"}, Clean: true,
				Explain: `amd64 modules are relocatable objects loaded by link_elf_obj.c, which gives set_vnet its module-space
address before any relocation: cross-module references were right even in 2011.`},
		},
	},
	{
		Title: "if_wg.ko on arm64 and lld 14 (FreeBSD-EN-23:08.vnet, 2023)",
		Intro: `After FreeBSD 13.1 moved to LLVM 14, lld rewrote arm64 GOT loads of local symbols into PC-relative
adr / adrp+add. For a VNET or DPCPU variable that computes the address of the module image's own copy of
the set: no relocation is left for the kernel linker to move into module space, and modules such as
if_wg.ko panicked. vnet_local.ko is the same objects linked by ld.lld-14 without and with --no-relax.`,
		Runs: []Run{
			{Config: "arm64-lld14-relax", Profile: "freebsd-14", Modules: []string{"vnet_local.ko"},
				Explain: `The relocations are all fine (the GOT slot still carries R_AARCH64_RELATIVE); the code no longer reads
the slot. Only the instructions show it: adr points into the module's set_vnet.`},
			{Config: "arm64-lld14-norelax", Profile: "freebsd-14", Modules: []string{"vnet_local.ko"}, Clean: true,
				Explain: `With --no-relax (sys/conf/kmod.mk for arm64 since 13.2, PR 264094) the code loads the address from the
GOT slot, which the kernel linker redirects to module space.`},
		},
	},
	{
		Title: "VirtualBox maps pages into a user process (the VirtualBox pmap_enter report, 2011)",
		Intro: `"panic: vm_page_dirty: page is invalid!": vboxdrv created a user map entry with vm_map_find and no VM
object, then entered the pages straight into the pmap. A pmap can be destroyed and rebuilt from the map and
its objects; these pages have no object to be rebuilt from. vmmap_bad.ko does the same; vmmap_good.ko backs
the mapping with an OBJT_PHYS object.`,
		Runs: []Run{
			{Config: "amd64", Profile: "freebsd-14", Modules: []string{"vmmap_bad.ko", "vmmap_good.ko"},
				Explain: `Found in the machine code: the NULL object argument is a constant at the vm_map_find call, and the
same function calls pmap_enter. The twin that allocates a VM object is not flagged.`},
		},
	},
	{
		Title: "Module space runs out (PR 206583 and the DPCPU warning of r194784)",
		Intro: `The kernel reserves a fixed room for modules inside its master set_vnet (VNET_MODMIN) and set_pcpu
(DPCPU_MODMIN, 2048 bytes). bigvnet.ko defines a 40000-byte VNET table and a 3000-byte DPCPU array.`,
		Runs: []Run{
			{Config: "arm64", Profile: "freebsd-14", Modules: []string{"bigvnet.ko"},
				Explain: `parse_dpcpu runs before parse_vnet, so the DPCPU array fails first; kldload reports ENOSPC and the
file is unloaded. Large per-instance data belongs in malloc'd memory set up per vnet or per CPU.`},
		},
	},
	{
		Title: "A dependency that only works by luck",
		Intro: `nodep.ko reads vnet_owner.ko's variable but declares no MODULE_DEPEND on it. The kernel looks
symbols up in a module's declared dependencies only.`,
		Runs: []Run{
			{Config: "arm64", Profile: "freebsd-14", Modules: []string{"vnet_owner.ko", "nodep.ko"},
				Explain: `Even with vnet_owner.ko loaded first, the load fails: add MODULE_DEPEND(nodep, vnet_owner, 1, 1, 1).`},
		},
	},
}
