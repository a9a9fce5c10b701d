#!/usr/bin/env bash
# Make every OpenVPN sample capture, one after the other.
#
#   samples/openvpn/make-all.sh [OUTDIR] [VARIANT ...]
#
# OUTDIR defaults to this directory. Besides the per-variant files written by
# make.sh, it writes into OUTDIR:
#   structure.txt      structure.py over every capture (see check-repro.sh)
#   tshark-report.txt  tshark-report.py over every capture
# and regenerates variants.tsv (from make.sh --describe) next to this script.
# A variant that fails is retried once; the script fails if any variant fails twice.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUTDIR=${1:-$HERE}
shift || true
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

"$HERE/gen-keys.sh" >/dev/null

{
  printf '# name\ttransport\tport\tcontrol_wrap\tserver_options\tclient_options\n'
  for v in $("$HERE/make.sh" --list); do "$HERE/make.sh" --describe "$v"; done
} >"$HERE/variants.tsv"

VARIANTS=("$@")
((${#VARIANTS[@]})) || mapfile -t VARIANTS < <("$HERE/make.sh" --list)

failed=()
for v in "${VARIANTS[@]}"; do
  if ! timeout -k 10 180 "$HERE/make.sh" "$v" "$OUTDIR"; then
    echo "== $v failed, retrying once" >&2
    sleep 2
    timeout -k 10 180 "$HERE/make.sh" "$v" "$OUTDIR" || failed+=("$v")
  fi
done

mapfile -t PCAPS < <(cd "$OUTDIR" && ls ./*.pcap | sort)
(cd "$OUTDIR" && "$HERE/structure.py" "${PCAPS[@]}") >"$OUTDIR/structure.txt"
(cd "$OUTDIR" && "$HERE/tshark-report.py" "${PCAPS[@]}" 2> >(grep -v 'Running as user' >&2)) \
  >"$OUTDIR/tshark-report.txt"

if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all done: ${#VARIANTS[@]} variants in $OUTDIR"
