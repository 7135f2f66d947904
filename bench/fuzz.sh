#!/usr/bin/env bash
# Run every fuzz target in turn, one worker each, for a number of executions
# (a count, not a duration: Go 1.26's -fuzztime deadline can end in a bare
# "context deadline exceeded" with no input, golang/go#75804). A finding
# writes its input under PKG/testdata/fuzz/TARGET/ and stops this script.
# Not run by CI; see docs/robustness.md.
#
#   bash bench/fuzz.sh [EXECS]        # default 5000000 each (~5-10 min on one core)
set -euo pipefail
EXECS=${1:-5000000}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for t in kobj:FuzzParse kobj:FuzzMetadata linker:FuzzLoad code:FuzzScan; do
	pkg=${t%%:*} name=${t#*:}
	echo "== $name ($pkg), $EXECS executions"
	go test -timeout 0 -run XXX -fuzz "^$name\$" -fuzztime "${EXECS}x" -fuzzminimizetime 10x -parallel 1 "./$pkg" |
		grep -v '^fuzz: elapsed' || { echo "$name: failed (see above; a finding's input is under $pkg/testdata/fuzz/$name/)"; exit 1; }
done
echo "no finding"
