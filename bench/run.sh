#!/usr/bin/env bash
# Time `kldcheck scan --format json` against `llvm-readelf -r` (listing the relocations
# only) and against `cat` (reading the bytes: the floor of the job) on the
# same files: every .ko of each tree and its kernel. Several runs each;
# prints the medians, the ratios kldcheck/readelf and kldcheck/cat, peak
# RSS, and the time per MB (to check that time grows linearly with the tree).
#
#   bash bench/run.sh [-n RUNS] DIR...
#
# Trees come from the corpus generator, e.g.
#   go run ./bench/corpus -arch amd64 -scale 4 -out /tmp/corpus-amd64-4
# Output is a Markdown table for docs/performance.md. Not run by CI.
set -euo pipefail

RUNS=5
if [ "${1:-}" = -n ]; then
	RUNS=$2
	shift 2
fi
[ $# -gt 0 ] || { echo "usage: bash bench/run.sh [-n RUNS] DIR..." >&2; exit 2; }
READELF=${READELF:-llvm-readelf-16}
command -v "$READELF" >/dev/null || { echo "bench/run.sh: $READELF not found (apt-get install llvm-16)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "bench/run.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$(mktemp -d "${TMPDIR:-/tmp}/kldcheck-bench.XXXXXX")
trap 'rm -rf "$BIN"' EXIT
(cd "$ROOT" && go build -trimpath -o "$BIN/kldcheck" ./cmd/kldcheck)

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure <name> <cmd...>: runs the command RUNS times (after one warm-up run
# that fills the page cache), sets SECS (median wall seconds), CPU (median
# user+system seconds) and RSS (median peak RSS, MB). Exit status 1 (findings) is not a failure.
measure() {
	local name=$1 i t0 t1 st
	shift
	"$@" >/dev/null 2>&1 || true
	: >"$BIN/$name.t"
	: >"$BIN/$name.m"
	: >"$BIN/$name.c"
	for ((i = 0; i < RUNS; i++)); do
		t0=$EPOCHREALTIME
		st=0
		/usr/bin/time -f '%M %U %S' -o "$BIN/rss" "$@" >/dev/null 2>"$BIN/err" || st=$?
		t1=$EPOCHREALTIME
		if [ "$st" -gt 1 ]; then
			echo "bench/run.sh: $name failed ($st):" >&2
			cat "$BIN/err" >&2
			exit 1
		fi
		echo "$t1 - $t0" | bc -l >>"$BIN/$name.t"
		tail -n1 "$BIN/rss" | awk '{ print $1 / 1024 }' >>"$BIN/$name.m"
		tail -n1 "$BIN/rss" | awk '{ print $2 + $3 }' >>"$BIN/$name.c"
	done
	SECS=$(median <"$BIN/$name.t")
	RSS=$(median <"$BIN/$name.m")
	CPU=$(median <"$BIN/$name.c")
}

echo "| tree | modules | MB | relocations | cat (s) | llvm-readelf -r (s) | kldcheck scan (s) | kldcheck CPU (s) | ratio to readelf | ratio to cat | kldcheck s/MB | peak RSS kldcheck / readelf (MB) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for dir in "$@"; do
	mapfile -t files < <(find "$dir" -maxdepth 1 -type f \( -name '*.ko' -o -name kernel \) | sort)
	mods=$(find "$dir" -maxdepth 1 -type f -name '*.ko' | wc -l)
	bytes=$(cat "${files[@]}" | wc -c)
	mb=$(echo "$bytes / 1048576" | bc -l)
	relocs=$("$READELF" -r "${files[@]}" 2>/dev/null | grep -cE '^[0-9a-f]{8,16} ' || true)
	measure cat sh -c 'cat "$@" >/dev/null' cat "${files[@]}"
	cat_s=$SECS
	measure readelf "$READELF" -r "${files[@]}"
	re_s=$SECS re_m=$RSS
	measure kldcheck "$BIN/kldcheck" scan --no-progress --format json "$dir"
	printf '| %s | %d | %.1f | %d | %.3f | %.3f | %.3f | %.2f | %.2f | %.1f | %.4f | %.0f / %.0f |\n' \
		"$(basename "$dir")" "$mods" "$mb" "$relocs" "$cat_s" "$re_s" "$SECS" "$CPU" \
		"$(echo "$SECS / $re_s" | bc -l)" "$(echo "$SECS / $cat_s" | bc -l)" "$(echo "$SECS / $mb" | bc -l)" "$RSS" "$re_m"
done
echo
# `check` of one module with its dependencies: the largest module of the
# tree that loads others (else the largest), against cat of the files it
# loads (those `kldcheck load` lists, and the kernel).
echo "| tree | module checked | files loaded | cat (s) | kldcheck check (s) | ratio to cat | peak RSS (MB) |"
echo "|---|---|---|---|---|---|---|"
for dir in "$@"; do
	kargs=()
	[ -f "$dir/kernel" ] && kargs=(--kernel "$dir/kernel")
	pick= loaded=()
	for ko in $(ls -S "$dir"/*.ko | head -n 40); do
		mapfile -t l < <("$BIN/kldcheck" load -p "$dir" "${kargs[@]}" "$ko" 2>/dev/null |
			awk '$3 ~ /^0x/ && $5 ~ /\.ko$/ { print $5 }')
		if [ -z "$pick" ] || { [ ${#l[@]} -gt 1 ] && [ ${#loaded[@]} -le 1 ]; }; then
			pick=$ko loaded=("${l[@]}")
		fi
		[ ${#loaded[@]} -gt 1 ] && break
	done
	files=("${kargs[@]:1}")
	for f in "${loaded[@]}"; do files+=("$dir/$f"); done
	measure cat1 sh -c 'cat "$@" >/dev/null' cat "${files[@]}"
	cat_s=$SECS
	measure check "$BIN/kldcheck" check --brief -p "$dir" "${kargs[@]}" "$pick"
	printf '| %s | %s | %d | %.4f | %.4f | %.1f | %.0f |\n' "$(basename "$dir")" "$(basename "$pick")" "${#files[@]}" \
		"$cat_s" "$SECS" "$(echo "$SECS / $cat_s" | bc -l)" "$RSS"
done
echo
echo "$RUNS runs each after a warm-up, medians; $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $("$READELF" --version | grep -m1 -i version | sed 's/^ *//'); $(go version | cut -d' ' -f3)"
