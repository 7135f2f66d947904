#!/usr/bin/env bash
# Run `kldcheck check` as a separate process on each file of the damaged-file
# corpus (internal/damage, the same files TestDamagedFilesCheck uses), with
# a 2 GB address-space limit and a 10 s timeout per file; print the exit
# statuses, the slowest run and the largest peak RSS. Not run by CI.
#
#   bash bench/damaged.sh
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
