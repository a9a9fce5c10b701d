#!/usr/bin/env bash
# Regenerates samples/https.pcap and its key log samples/https.keylog.
#
# samples/http-server.mjs serves HTTPS (RSA certificate for CN=vpnscope.test,
# generated here) on 10.54.0.1:443, and on :8443 without TLS 1.2's
# encrypt-then-MAC extension, in namespace vsample-https-a; curl in namespace
# vsample-https-b fetches pages over HTTP/1.1 with one cipher suite per
# connection, and writes the TLS secrets it negotiates to the key log
# (SSLKEYLOGFILE, NSS key log format), as browsers do:
#   1  TLS 1.3 TLS_AES_256_GCM_SHA384        GET / and GET /style.css (one connection)
#   2  TLS 1.3 TLS_CHACHA20_POLY1305_SHA256  GET /medium.txt (40 KiB: several records)
#   3  TLS 1.3 TLS_AES_128_GCM_SHA256        POST /api/echo
#   4  TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256   GET /hello.txt
#   5  TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305   GET /chunked
#   6  TLS 1.2 ECDHE-RSA-AES256-SHA384       GET /hello.txt (CBC, encrypt-then-MAC)
#   7  TLS 1.2 ECDHE-RSA-AES128-SHA          GET /hello.txt on :8443 (CBC, MAC-then-encrypt)
#   8  TLS 1.2 AES256-GCM-SHA384             GET /nothing (RSA key exchange, SHA-384 PRF; 404)
# tcpdump captures on the server-side veth (Ethernet link type).
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

. ./tls-pair.sh
tls_pair https 54   # NSA: server 10.54.0.1, NSB: client 10.54.0.2

# --- server ---------------------------------------------------------------------
ip netns exec "$NSA" node http-server.mjs --tls "$TMP/cert.pem" "$TMP/key.pem" 443 >"$TMP/server.log" 2>&1 &
PIDS+=($!)
ip netns exec "$NSA" node http-server.mjs --tls "$TMP/cert.pem" "$TMP/key.pem" --no-etm 8443 >"$TMP/server2.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  ip netns exec "$NSA" ss -lnt | grep -q ':8443 ' && ip netns exec "$NSA" ss -lnt | grep -q ':443 ' && break
  sleep 0.1
done

ip netns exec "$NSA" tcpdump -i a0 --immediate-mode -U -Z root -w "$TMP/https.pcap" \
  >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

# fetch LOCAL_PORT TLS_OPTIONS... -- URL...
fetch() {
  local port=$1; shift
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  local urls=()
  for u in "$@"; do urls+=("$u" -o /dev/null); done
  SSLKEYLOGFILE="$TMP/https.keylog" ip netns exec "$NSB" curl -sS --http1.1 --cacert "$TMP/cert.pem" \
    --resolve vpnscope.test:443:10.54.0.1 --resolve vpnscope.test:8443:10.54.0.1 \
    --local-port "$port" "${opts[@]}" "${urls[@]}" -w '%{http_code} %{size_download}\n'
  sleep 0.3
}
fetch 41001 --tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384 -- https://vpnscope.test/ https://vpnscope.test/style.css
fetch 41002 --tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 -- https://vpnscope.test/medium.txt
fetch 41003 --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 -H 'Content-Type: application/json' \
  --data '{"layer":"tls","decrypted":true}' -- https://vpnscope.test/api/echo
fetch 41004 --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 -- https://vpnscope.test/hello.txt
fetch 41005 --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305 -- https://vpnscope.test/chunked
fetch 41006 --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES256-SHA384 -- https://vpnscope.test/hello.txt
fetch 41007 --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-SHA -- https://vpnscope.test:8443/hello.txt
fetch 41008 --tlsv1.2 --tls-max 1.2 --ciphers AES256-GCM-SHA384 -- https://vpnscope.test/nothing

sleep 1
kill -INT "$CAP"
wait "$CAP" || true
mv "$TMP/https.pcap" https.pcap
cp "$TMP/https.keylog" https.keylog
echo "https.pcap: $(tcpdump -r https.pcap 2>/dev/null | wc -l) packets, $(wc -l <https.keylog) key log lines"
