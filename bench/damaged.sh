#!/usr/bin/env bash
# Run `kldcheck check` as a separate process on each file of the damaged-file
# corpus (internal/damage, the same files TestDamagedFilesCheck uses), with
# a 2 GB address-space limit and a 10 s timeout per file; print the exit
# statuses, the slowest run and the largest peak RSS. Then scan one directory
# of TREE_N (default 12000) damaged files as a whole, under the same limit,
# and print its time and peak RSS: memory must stay within the bound of
# docs/performance.md, not grow with the damaged tree. Not run by CI.
#
#   bash bench/damaged.sh            # TREE_N=0 skips the whole-tree scan
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kldcheck-damaged.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
go build -o "$WORK/kldcheck" ./cmd/kldcheck
KLDCHECK_DAMAGED_DIR=$WORK/corpus go test -count=1 -run TestDamagedFilesCheck ./internal/cli >/dev/null
declare -A codes=()
worst_t=-1 worst_m=0 worst_tf= worst_mf= n=0
for f in "$WORK"/corpus/*.ko; do
	st=0
	( ulimit -v 2097152; exec /usr/bin/time -f '%e %M' -o "$WORK/res" timeout 10 "$WORK/kldcheck" check --brief "$f" ) \
		>/dev/null 2>"$WORK/err" || st=$?
	read -r t m < <(tail -n1 "$WORK/res") || { t=0; m=0; }
	codes[$st]=$((${codes[$st]:-0} + 1))
	n=$((n + 1))
	if (($(echo "$t > $worst_t" | bc))); then worst_t=$t worst_tf=$f; fi
	if ((m > worst_m)); then worst_m=$m worst_mf=$f; fi
	case $st in
	0 | 1 | 2) ;;
	*) echo "$(basename "$f"): exit $st: $(head -c 300 "$WORK/err")" ;;
	esac
	if grep -q "please report" "$WORK/err"; then echo "$(basename "$f"): $(cat "$WORK/err")"; fi
done
echo "$n files; exit statuses:$(for c in "${!codes[@]}"; do printf ' %s:%s' "$c" "${codes[$c]}"; done)"
echo "slowest: ${worst_t}s ($(basename "$worst_tf")); largest peak RSS: $((worst_m / 1024)) MB ($(basename "$worst_mf"))"
TREE_N=${TREE_N:-12000}
if ((TREE_N > 0)); then
	KLDCHECK_DAMAGED_DIR=$WORK/tree KLDCHECK_DAMAGED_N=$TREE_N go test -count=1 -run TestDamagedCorpusWrite ./internal/cli >/dev/null
	files=$(find "$WORK/tree" -name '*.ko' | wc -l)
	bytes=$(du -sm "$WORK/tree" | cut -f1)
	st=0
	( ulimit -v 2097152; exec /usr/bin/time -f '%e %M' -o "$WORK/res" timeout 600 "$WORK/kldcheck" scan --format json "$WORK/tree" ) \
		>/dev/null 2>"$WORK/err" || st=$?
	read -r t m < <(tail -n1 "$WORK/res")
	echo "whole-tree scan of $files damaged files ($bytes MB): exit $st, ${t}s, peak RSS $((m / 1024)) MB"
	case $st in 0 | 1) ;; *) echo "scan failed: $(head -c 300 "$WORK/err")" ;; esac
fi
