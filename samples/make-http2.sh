#!/usr/bin/env bash
# Regenerates samples/http2.pcap and its key log samples/http2.keylog; with "doh" as argument,
# samples/doh.pcap and samples/doh.keylog instead: curl resolves www.vpnscope.test through the
# same server's DNS-over-HTTPS endpoint (--doh-url, POST application/dns-message, A and AAAA
# questions on one HTTP/2 connection), then fetches https://www.vpnscope.test/ from the address it got.
#
# A node HTTP/2 server (http2.createSecureServer, RSA certificate for
# CN=vpnscope.test made here) listens on 10.55.0.1:443 in namespace
# vsample-h2-a; curl --http2 in vsample-h2-b makes two requests on one
# connection (GET / and GET /missing, 404) over TLS 1.3 with ALPN h2, and
# writes its TLS secrets to the key log (SSLKEYLOGFILE).
# tcpdump captures on the server-side veth (Ethernet link type).
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

. ./tls-pair.sh
tls_pair h2 55   # NSA: server 10.55.0.1, NSB: client 10.55.0.2

# --- server ---------------------------------------------------------------------
ip netns exec "$NSA" node http2-server.mjs "$TMP/cert.pem" "$TMP/key.pem" 443 >"$TMP/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do ip netns exec "$NSA" ss -lnt | grep -q ':443 ' && break; sleep 0.1; done

ip netns exec "$NSA" tcpdump -i a0 --immediate-mode -U -Z root -w "$TMP/capture.pcap" >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

if [ "${1:-}" = doh ]; then
  OUT=doh
  SSLKEYLOGFILE="$TMP/$OUT.keylog" ip netns exec "$NSB" curl -sS --http2 -k --doh-insecure \
    --doh-url https://10.55.0.1/dns-query --local-port 42002 \
    https://www.vpnscope.test/ -o /dev/null -w '%{http_version} %{http_code}\n'
else
  OUT=http2
  SSLKEYLOGFILE="$TMP/$OUT.keylog" ip netns exec "$NSB" curl -sS --http2 --cacert "$TMP/cert.pem" \
    --resolve vpnscope.test:443:10.55.0.1 --local-port 42001 \
    https://vpnscope.test/ -o /dev/null https://vpnscope.test/missing -o /dev/null -w '%{http_version} %{http_code}\n'
fi

sleep 1
kill -INT "$CAP"
wait "$CAP" || true
mv "$TMP/capture.pcap" "$OUT.pcap"
cp "$TMP/$OUT.keylog" "$OUT.keylog"
echo "$OUT.pcap: $(tcpdump -r "$OUT.pcap" 2>/dev/null | wc -l) packets, $(wc -l <"$OUT.keylog") key log lines"
