#!/usr/bin/env bash
# Capture, beside build.sh's llvm-readelf and llvm-objdump captures, the
# call sites the compiler recorded in each fixture module's DWARF
# (DW_TAG_GNU_call_site / DW_TAG_call_site: the callee and the return
# address of every direct call): the oracle that names, for code/'s tests,
# the callee of calls llvm-objdump does not name (armv7's PLT stubs,
# riscv64's auipc+jalr). build.sh runs it after replacing
# testdata/<config>/ wholesale.
#
#   bash testdata/capture-callsites.sh
#
# build.sh's <module>.objdump.txt (llvm-objdump -d --no-show-raw-insn) is the
# disassembly oracle; -r would add nothing to it, as the shared-object
# modules have no relocations in their code and amd64's are read from
# <module>.relocs.txt. powerpc's -mlongcall calls are indirect, so the
# compiler records no call site for them: their callees are checked against
# the relocations of the slots they load (<module>.relocs.txt).
#
# Tools can be overridden: DWARFDUMP.
set -euo pipefail

DWARFDUMP=${DWARFDUMP:-llvm-dwarfdump-16}
TD=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export LC_ALL=C

# amd64 is left out: its relocatable modules' DWARF addresses are section
# offsets, not the layout kobj gives them.
for config in i386 arm64 armv7 riscv64 arm64-lld14-relax arm64-lld14-norelax; do
	for f in "$TD/$config"/*.ko; do
		out=$TD/$config/readelf/$(basename "$f").callsites.txt
		"$DWARFDUMP" --debug-info "$f" |
			awk '/DW_TAG_(GNU_)?call_site$/ { p = 1 } p { print } /^$/ { p = 0 }' >"$out"
		if [ ! -s "$out" ]; then
			rm -f "$out" # no call
		else
			echo "wrote ${out#"$TD"/}"
		fi
	done
done
