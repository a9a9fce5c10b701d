#!/usr/bin/env bash
# Regenerates every capture in samples/ (see README.md). Needs root: each
# script builds its own network namespaces and removes them when it ends.
set -euo pipefail
cd "$(dirname "$0")"

for script in make-dns.sh make-http.sh make-tls.sh make-https.sh make-http2.sh "make-http2.sh doh" make-frag.sh make-vlan.sh make-vxlan.sh make-nflog.sh make-wireguard.sh make-ipsec.sh make-raw.sh make-formats.sh make-tcp-loopback.sh; do
  echo "== $script"
  bash $script   # word-split: "make-http2.sh doh" is a script and its argument
done
