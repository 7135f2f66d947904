#!/usr/bin/env bash
# Rebuild the srcline test files (run from anywhere; output is byte-identical
# on every run):
#
#   bash srcline/testdata/make.sh
#
# - amd64/sections.ko: sections.c built as testdata/build.sh builds an amd64
#   module (ET_REL, `ld -r -d`), plus -ffunction-sections, so every function
#   sits at offset 0 of its own .text.<name> section (and init_fn in
#   .init.text).
# - debuglink/<arch>/<name>.ko + <name>.ko.debug: a module split the way
#   FreeBSD installs it: `objcopy --only-keep-debug` for the debug file, then
#   `--strip-debug --add-gnu-debuglink` for the module (name + CRC32).
#   amd64: sections.ko (ET_REL); arm64: testdata/arm64/vnet_user.ko (ET_DYN).
# - zdebug/<name>.ko: testdata/amd64's undef.ko and vnet_owner.ko with their
#   DWARF in the old GNU form (.zdebug_* sections, a "ZLIB" header), which
#   LLVM no longer writes: binutils objcopy --compress-debug-sections=zlib-gnu
#   (OBJCOPY_GNU).
#
# Tools can be overridden: CLANG16 LLD16 OBJCOPY.
set -euo pipefail

CLANG16=${CLANG16:-clang-16}
LLD16=${LLD16:-ld.lld-16}
OBJCOPY=${OBJCOPY:-llvm-objcopy-16}
OBJCOPY_GNU=${OBJCOPY_GNU:-objcopy}

TD=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$TD/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/srcline-testdata.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export SOURCE_DATE_EPOCH=0 LC_ALL=C TZ=UTC

run() {
	echo "+ $*"
	"$@"
}

# The amd64 module flags of testdata/build.sh, with -ffunction-sections. DWARF
# names the source srcline/testdata/sections.c, relative to the repository root.
mkdir -p "$TD/amd64"
(cd "$TD" && run "$CLANG16" -target x86_64-unknown-freebsd14.0 \
	-O2 -ffreestanding -nostdinc -fno-common -fno-builtin -g \
	-fdebug-compilation-dir=srcline/testdata -D_KERNEL -DKLD_MODULE \
	-mcmodel=kernel -mno-red-zone -mno-sse -ffunction-sections \
	-c -o "$TMP/sections.o" sections.c)
run "$LLD16" -m elf_x86_64_fbsd -r -d -o "$TD/amd64/sections.ko" "$TMP/sections.o"

# split <module> <outdir>: the module stripped, with a .gnu_debuglink to the
# debug file beside it.
split() {
	local mod=$1 out=$2 name
	name=$(basename "$mod")
	mkdir -p "$out"
	run "$OBJCOPY" --only-keep-debug "$mod" "$out/$name.debug"
	# --add-gnu-debuglink reads the debug file relative to the current directory.
	(cd "$out" && run "$OBJCOPY" --strip-debug --add-gnu-debuglink="$name.debug" "$mod" "$name")
}
split "$TD/amd64/sections.ko" "$TD/debuglink/amd64"
split "$ROOT/testdata/arm64/vnet_user.ko" "$TD/debuglink/arm64"

mkdir -p "$TD/zdebug"
for m in undef vnet_owner; do
	run "$OBJCOPY_GNU" --compress-debug-sections=zlib-gnu "$ROOT/testdata/amd64/$m.ko" "$TD/zdebug/$m.ko"
done
