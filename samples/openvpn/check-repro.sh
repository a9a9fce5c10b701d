#!/usr/bin/env bash
# Re-make every capture into a scratch directory and check that its structure
# matches the committed captures (the "same" lines of structure.txt).
# Bytes always differ (fresh keys per session, timestamps); the sequence of
# control messages, key ids and data opcodes must not.
#
#   samples/openvpn/check-repro.sh [RUNS]     (default 1 run)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=${1:-1}
SCRATCH=$(mktemp -d /tmp/vpnscope-repro.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT

grep '^same ' "$HERE/structure.txt" >"$SCRATCH/want"
rc=0
for i in $(seq 1 "$RUNS"); do
  out="$SCRATCH/run$i"
  "$HERE/make-all.sh" "$out" >"$SCRATCH/run$i.log" 2>&1 || { echo "run $i: make-all failed"; tail -n 30 "$SCRATCH/run$i.log"; rc=1; continue; }
  grep '^same ' "$out/structure.txt" >"$SCRATCH/got$i"
  if diff -u "$SCRATCH/want" "$SCRATCH/got$i"; then
    echo "run $i: structure matches the committed captures"
  else
    echo "run $i: structure differs (see diff above)"; rc=1
  fi
  echo "run $i packet counts: $(grep -o '^[a-z0-9-]*: [0-9]* packets' "$SCRATCH/run$i.log" | sed 's/ packets//' | tr '\n' ' ')"
done
exit $rc
