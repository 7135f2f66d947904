#!/usr/bin/env bash
# Rebuild every kldcheck fixture (kernels and modules of eight FreeBSD
# architectures, plus two arm64 lld-14 variants) from testdata/src, the way
# sys/conf/kmod.mk builds modules, with Debian's clang/lld. Output replaces
# testdata/<config>/ wholesale; intermediates live in a temporary directory.
#
#   bash testdata/build.sh            # every configuration
#   bash testdata/build.sh tree-amd64 # only the configurations named
#
# Tools can be overridden: CLANG16 LLD16 LLD14 READELF NM OBJCOPY OBJDUMP
# GNULD_PPC64.
set -euo pipefail

CLANG16=${CLANG16:-clang-16}
LLD16=${LLD16:-ld.lld-16}
LLD14=${LLD14:-ld.lld-14}
READELF=${READELF:-llvm-readelf-16}
NM=${NM:-llvm-nm-16}
OBJCOPY=${OBJCOPY:-llvm-objcopy-16}
OBJDUMP=${OBJDUMP:-llvm-objdump-16}
# GNU ld for the ELFv1 powerpc64 configurations, which lld cannot link
# (Debian's binutils-powerpc64-linux-gnu).
GNULD_PPC64=${GNULD_PPC64:-powerpc64-linux-gnu-ld}

TD=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$TD/src
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kldcheck-fixtures.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Reproducible output regardless of where the tree lives or when it is built.
export SOURCE_DATE_EPOCH=0 LC_ALL=C TZ=UTC

ALL_MODULES="vnet_owner vnet_user bigvnet undef vnet_local vmmap_bad vmmap_good nodep vnet_static set_init set_init_ok weak"
LLD14_MODULES="vnet_owner vnet_user vnet_local"

# sys/conf/kmod.mk and kern.mk flags common to every arch. DWARF names the
# sources relative to the repository root (testdata/src/<file>.c).
COMMON_CFLAGS="-O2 -ffreestanding -nostdinc -fno-common -fno-builtin -g
  -fdebug-compilation-dir=testdata/src -I. -D_KERNEL"

run() {
	echo "+ $*"
	"$@"
}

# i386 only: sys/conf/ldscript.kmod.i386 pads set_pcpu and set_vnet with one
# 0x90909090 word during the ld -r step (r348808), and link_elf.c on i386
# rejects modules without it. This is our own equivalent script.
cat >"$TMP/ldscript.kmod.i386" <<'EOF'
SECTIONS
{
	set_pcpu : { *(set_pcpu) LONG(0x90909090) }
	set_vnet : { *(set_vnet) LONG(0x90909090) }
}
EOF

# amd64 only: sys/conf/ldscript.kmod.amd64 gathers all code into one .text
# and all read-only data (string literals included) into one .rodata during
# the ld -r step. Our own equivalent, for the tree-amd64 fixtures: in a
# module without code, .text is then empty and the module's name string
# starts .rodata, at offset 0 of the module's image.
cat >"$TMP/ldscript.kmod.amd64" <<'EOF'
SECTIONS
{
	.text : { *(.text) *(.text.*) }
	.rodata : { *(.rodata) *(.rodata.*) }
}
EOF

# wanted <config>: whether the command line asks for this configuration.
wanted() {
	[ ${#SELECTED[@]} -eq 0 ] && return 0
	local c
	for c in "${SELECTED[@]}"; do
		[ "$c" = "$1" ] && return 0
	done
	return 1
}
SELECTED=("$@")

# compile <triple> <out.o> <src.c> <flags...>
compile() {
	local triple=$1 out=$2 src=$3
	shift 3
	# shellcheck disable=SC2086
	(cd "$SRC" && run "$CLANG16" -target "$triple" $COMMON_CFLAGS "$@" -c -o "$out" "$src")
}

# capture <dir> <file>: llvm-readelf ground truth for kldcheck's tests.
capture() {
	local dir=$1 f=$2 err=$TMP/readelf.err
	mkdir -p "$dir/readelf"
	: >"$err"
	(
		cd "$dir"
		"$READELF" -h "$f" >"readelf/$f.headers.txt"
		"$READELF" -S "$f" >"readelf/$f.sections.txt"
		"$READELF" -s "$f" >"readelf/$f.symbols.txt"
		"$READELF" -r "$f" >"readelf/$f.relocs.txt"
		"$READELF" -d "$f" >"readelf/$f.dynamic.txt"
		"$READELF" -x set_modmetadata_set "$f" >"readelf/$f.metadata.txt"
		# Disassembly, the oracle for kldcheck's instruction scan (modules only).
		if [ "$f" != kernel ]; then
			"$OBJDUMP" -d --no-show-raw-insn "$f" >"readelf/$f.objdump.txt"
		fi
	) 2>>"$err"
	# Expected for the kernels: lld writes DT_JMPREL 0 / DT_PLTRELSZ 0 when
	# the only PLT-type relocation is the ifunc's IRELATIVE (in .rela.dyn).
	sort -u "$err" | sed "s|^|  note ($(basename "$dir")): |"
}

# build_config <config> <triple> <emulation> <lld> <module-flags> \
#     <kernel-flags> <final-ld-flags> <kernel-ld-flags> <modules>
build_config() {
	local config=$1 triple=$2 emul=$3 lld=$4 mflags=$5 kflags=$6
	local finalld=$7 kld=$8 modules=$9
	local out=$TD/$config work=$TMP/$config m
	wanted "$config" || return 0
	echo "== $config ($triple, $("$lld" --version | head -n1))"
	rm -rf "$out"
	mkdir -p "$out" "$work"

	# Stand-in kernel: not a module, so no -DKLD_MODULE and no -fPIC.
	# shellcheck disable=SC2086
	compile "$triple" "$work/kernel.o" kernel.c $kflags
	# shellcheck disable=SC2086
	run "$lld" -m "$emul" -Bdynamic --export-dynamic -dynamic-linker /red/herring \
		--no-pie --hash-style=sysv -e btext $kld -o "$out/kernel" "$work/kernel.o"
	capture "$out" kernel

	for m in $modules; do
		# shellcheck disable=SC2086
		compile "$triple" "$work/$m.o" "$m.c" -DKLD_MODULE $mflags
		link_module "$config" "$emul" "$lld" "$finalld" "$out" "$work" "$m" "$work/$m.o"
	done
}

# link_module <config> <emulation> <lld> <final-ld-flags> <outdir> <workdir>
#     <module> <objects...>: the ld -r step, then as kmod.mk does per arch.
link_module() {
	local config=$1 emul=$2 lld=$3 finalld=$4 out=$5 work=$6 m=$7 rflags syms
	shift 7
	case $config in
	amd64)
		# amd64: the .ko is the ld -r output (ET_REL), kmod.mk.
		run "$lld" -m "$emul" -r -d -o "$out/$m.ko" "$@"
		;;
	tree-amd64)
		run "$lld" -m "$emul" -r -d -T "$TMP/ldscript.kmod.amd64" -o "$out/$m.ko" "$@"
		;;
	*)
		rflags=
		if [ "$config" = i386 ]; then
			rflags="-T $TMP/ldscript.kmod.i386"
		fi
		# shellcheck disable=SC2086
		run "$lld" -m "$emul" -r $rflags -o "$work/$m.kld" "$@"
		# EXPORT_SYMS=NO (kmod_syms.awk): localise every defined
		# global that is not absolute; *-exportsyms configurations
		# model EXPORT_SYMS=YES and keep them global.
		case $config in
		*-exportsyms) ;;
		*)
			syms=$("$NM" -g --defined-only "$work/$m.kld" |
				awk '$2 != "A" { printf " -L %s", $3 }')
			echo "+ $OBJCOPY$syms $m.kld"
			# shellcheck disable=SC2086
			"$OBJCOPY" $syms "$work/$m.kld"
			;;
		esac
		# shellcheck disable=SC2086
		run "$lld" -m "$emul" -Bshareable -znotext -znorelro \
			--hash-style="${HASH_STYLE:-sysv}" $finalld -o "$out/$m.ko" "$work/$m.kld"
		;;
	esac
	capture "$out" "$m.ko"
}

# The tree-* configurations: a small module tree for kldcheck scan, with a
# kernel that has modules built in; src/tree.txt lists the modules.
TREE_MODULES=$(grep -v '^#' "$SRC/tree.txt")

# build_tree <config> <triple> <emulation> <lld> <module-flags>
#     <kernel-flags> <final-ld-flags> <kernel-ld-flags>
build_tree() {
	local config=$1 triple=$2 emul=$3 lld=$4 mflags=$5 kflags=$6
	local finalld=$7 kld=$8 out=$TD/$1 work=$TMP/$1 entry m obj src flags n
	local -a objs parts
	wanted "$config" || return 0
	echo "== $config ($triple, $("$lld" --version | head -n1))"
	rm -rf "$out"
	mkdir -p "$out" "$work"
	# shellcheck disable=SC2086
	compile "$triple" "$work/kernel.o" kernel.c -DKM_BUILTIN_MODULES $kflags
	# shellcheck disable=SC2086
	run "$lld" -m "$emul" -Bdynamic --export-dynamic -dynamic-linker /red/herring \
		--no-pie --hash-style=sysv -e btext $kld -o "$out/kernel" "$work/kernel.o"
	capture "$out" kernel
	for entry in $TREE_MODULES; do
		m=${entry%%=*}
		objs=()
		n=0
		IFS=+ read -r -a parts <<<"${entry#*=}"
		for obj in "${parts[@]}"; do
			src=${obj%%:*}
			flags=
			if [ "$src" != "$obj" ]; then
				flags=${obj#*:}
				flags=${flags//,/ }
			fi
			n=$((n + 1))
			# shellcheck disable=SC2086
			compile "$triple" "$work/$m.$n.o" "$src" -DKLD_MODULE $flags $mflags
			objs+=("$work/$m.$n.o")
		done
		link_module "$config" "$emul" "$lld" "$finalld" "$out" "$work" "$m" "${objs[@]}"
	done
	# The intermediate ld -r output of a shared-object architecture, which
	# its kernel cannot load (link_elf.c takes ET_DYN only).
	if [ -f "$work/kerndep.kld" ]; then
		cp "$work/kerndep.kld" "$out/kerndep.kld"
	fi
}

echo "Building kldcheck fixtures into $TD"

# config   triple   emulation   linker   module cflags   kernel cflags
#   final-link flags   kernel link flags   modules
build_config amd64 x86_64-unknown-freebsd14.0 elf_x86_64_fbsd "$LLD16" \
	"-mcmodel=kernel -mno-red-zone -mno-sse" \
	"-mcmodel=kernel -mno-red-zone -mno-sse" \
	"" "--image-base=0xffffffff80200000" "$ALL_MODULES reloc32"

build_config i386 i386-unknown-freebsd14.0 elf_i386_fbsd "$LLD16" \
	"-fPIC -mno-sse" "-mno-sse" \
	"" "" "$ALL_MODULES"

build_config arm64 aarch64-unknown-freebsd14.0 aarch64elf "$LLD16" \
	"-fPIC -mgeneral-regs-only" "-mgeneral-regs-only" \
	"--no-relax" "" "$ALL_MODULES"

build_config armv7 armv7-unknown-freebsd14.0-gnueabihf armelf_fbsd "$LLD16" \
	"-mno-movt -mfloat-abi=soft -mfpu=none -funwind-tables" \
	"-mno-movt -mfloat-abi=soft -mfpu=none -funwind-tables" \
	"" "" "$ALL_MODULES"

build_config riscv64 riscv64-unknown-freebsd14.0 elf64lriscv "$LLD16" \
	"-fPIC -mcmodel=medium -mno-relax" "-mcmodel=medium -mno-relax" \
	"" "" "$ALL_MODULES"

build_config powerpc powerpc-unknown-freebsd14.0 elf32ppc_fbsd "$LLD16" \
	"-fPIC -msecure-plt -mlongcall -fno-omit-frame-pointer" \
	"-msecure-plt -mlongcall -fno-omit-frame-pointer" \
	"" "" "$ALL_MODULES"

build_config powerpc64 powerpc64-unknown-freebsd14.0 elf64ppc_fbsd "$LLD16" \
	"-fPIC -mlongcall -fno-omit-frame-pointer" "-mlongcall -fno-omit-frame-pointer" \
	"--no-toc-optimize" "" "$ALL_MODULES"

build_config powerpc64le powerpc64le-unknown-freebsd14.0 elf64lppc_fbsd "$LLD16" \
	"-fPIC -mlongcall -fno-omit-frame-pointer" "-mlongcall -fno-omit-frame-pointer" \
	"--no-toc-optimize" "" "$ALL_MODULES"

# Compressed DWARF (clang -gz, lld --compress-debug-sections; zstd for the
# sections clang writes, zlib for the link): source lines must still be read.
build_config arm64-gz aarch64-unknown-freebsd14.0 aarch64elf "$LLD16" \
	"-fPIC -mgeneral-regs-only -gz=zstd" "-mgeneral-regs-only" \
	"--no-relax --compress-debug-sections=zlib" "" "vnet_static vnet_owner vnet_user"

# Modules linked with --hash-style=gnu only (no DT_HASH, as a build passing
# Linux-style LDFLAGS makes them): link_elf.c finds none of their symbols.
HASH_STYLE=gnu build_config arm64-gnuhash aarch64-unknown-freebsd14.0 aarch64elf "$LLD16" \
	"-fPIC -mgeneral-regs-only" "-mgeneral-regs-only" \
	"--no-relax" "" "vnet_owner vnet_user"

# Modules linked with -z ifunc-noplt (the amd64 kernel's flag, not
# kmod.mk's): branches to an ifunc stay dynamic relocations the kernel
# linker range-checks. EXPORT_SYMS=NO leaves them against symbol index 0.
build_config arm64-noplt aarch64-unknown-freebsd14.0 aarch64elf "$LLD16" \
	"-fPIC -mgeneral-regs-only" "-mgeneral-regs-only" \
	"--no-relax -z ifunc-noplt" "" "branch"

build_config arm64-noplt-exportsyms aarch64-unknown-freebsd14.0 aarch64elf "$LLD16" \
	"-fPIC -mgeneral-regs-only" "-mgeneral-regs-only" \
	"--no-relax -z ifunc-noplt" "" "branch branch_near"

build_config riscv64-noplt-exportsyms riscv64-unknown-freebsd14.0 elf64lriscv "$LLD16" \
	"-fPIC -mcmodel=medium -mno-relax" "-mcmodel=medium -mno-relax" \
	"-z ifunc-noplt" "" "branch"

# A powerpc64 kernel as FreeBSD 12.x built it: ELFv1 (clang's default for
# freebsd12), linked -pie by GNU ld as sys/conf/Makefile.powerpc links every
# powerpc kernel: an ET_DYN kernel, told from a module by its PT_INTERP
# (/red/herring). No modules: lld cannot link ELFv1 ones, and the ELFv1
# function-descriptor copy of R_PPC64_JMP_SLOT is not modelled yet.
build_config powerpc64-elfv1 powerpc64-unknown-freebsd12.0 elf64ppc "$GNULD_PPC64" \
	"-fPIC -mlongcall -fno-omit-frame-pointer" "-fPIC -mlongcall -fno-omit-frame-pointer" \
	"" "-pie" ""

# EN-23:08 (seed 004): lld 14 as in FreeBSD 13.2, before and after the fix.
build_config arm64-lld14-relax aarch64-unknown-freebsd14.0 aarch64elf "$LLD14" \
	"-fPIC -mgeneral-regs-only" "-mgeneral-regs-only" \
	"" "" "$LLD14_MODULES"

build_config arm64-lld14-norelax aarch64-unknown-freebsd14.0 aarch64elf "$LLD14" \
	"-fPIC -mgeneral-regs-only" "-mgeneral-regs-only" \
	"--no-relax" "" "$LLD14_MODULES"

# The relaxed build again with EXPORT_SYMS=YES: the set variables stay
# global, so lld keeps their GOT loads (R_AARCH64_GLOB_DAT) unrelaxed.
build_config arm64-lld14-relax-exportsyms aarch64-unknown-freebsd14.0 aarch64elf "$LLD14" \
	"-fPIC -mgeneral-regs-only" "-mgeneral-regs-only" \
	"" "" "$LLD14_MODULES"

# powerpc with EXPORT_SYMS=YES: references to the module's own set
# variables stay symbol-based (R_PPC_ADDR32), and powerpc's elf_reloc passes
# S+A through elf_relocaddr too (elf32_machdep.c), which redirects them even
# on kernels without the 2011 cross-module fix.
build_config powerpc-exportsyms powerpc-unknown-freebsd14.0 elf32ppc_fbsd "$LLD16" \
	"-fPIC -msecure-plt -mlongcall -fno-omit-frame-pointer" \
	"-msecure-plt -mlongcall -fno-omit-frame-pointer" \
	"" "" "vnet_local vnet_owner vnet_user"

# powerpc64 without -mlongcall: calls to the kernel go through the PLT
# (R_PPC64_JMP_SLOT), whose failed lookup elf64_machdep.c ignores.
build_config powerpc64-plt powerpc64-unknown-freebsd14.0 elf64ppc_fbsd "$LLD16" \
	"-fPIC -fno-omit-frame-pointer" "-fno-omit-frame-pointer" \
	"--no-toc-optimize" "" "undef vnet_owner"

# A small tree for scan: amd64 with kmod.mk's amd64 section merging, and
# arm64 linked by lld 14 without --no-relax (relaxdep.ko's relaxed reference).
build_tree tree-amd64 x86_64-unknown-freebsd14.0 elf_x86_64_fbsd "$LLD16" \
	"-mcmodel=kernel -mno-red-zone -mno-sse" \
	"-mcmodel=kernel -mno-red-zone -mno-sse" \
	"" "--image-base=0xffffffff80200000"

build_tree tree-arm64 aarch64-unknown-freebsd14.0 aarch64elf "$LLD14" \
	"-fPIC -mgeneral-regs-only" "-mgeneral-regs-only" \
	"" ""

# The DWARF call-site captures of code/'s tests, for what was rebuilt.
bash "$TD/capture-callsites.sh"

{
	echo "Toolchain used by testdata/build.sh"
	echo
	for t in "$CLANG16" "$LLD16" "$LLD14" "$READELF" "$NM" "$OBJCOPY" "$GNULD_PPC64"; do
		echo "$t: $("$t" --version 2>&1 | grep -m1 -iE 'version|LLD|GNU ld' | sed 's/^ *//')"
	done
	if command -v dpkg-query >/dev/null 2>&1; then
		echo
		dpkg-query -W -f '${Package} ${Version}\n' clang-16 lld-16 lld-14 llvm-16 binutils-powerpc64-linux-gnu 2>/dev/null || true
	fi
} >"$TD/TOOLCHAIN.txt"
echo "== wrote $TD/TOOLCHAIN.txt"
echo "done"
