#!/usr/bin/env bash
# Regenerates samples/http.pcap.
#
# samples/http-server.mjs (node) listens on ports 80 and 8080 in network
# namespace vsample-http-a; curl talks to it from namespace vsample-http-b over a veth
# pair. tcpdump captures on the server-side veth (Ethernet link type).
# Segmentation offloads are off so the capture shows wire-sized segments.
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump node curl ethtool ss; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-http-a   # server: 10.53.0.1, fd53::1
NSB=vsample-http-b   # client: 10.53.0.2, fd53::2
TMP=$(mktemp -d)
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$NSA" 2>/dev/null || true
  ip netns del "$NSB" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# --- topology ---------------------------------------------------------------
ip netns del "$NSA" 2>/dev/null || true
ip netns del "$NSB" 2>/dev/null || true
ip netns add "$NSA"
ip netns add "$NSB"
for ns in "$NSA" "$NSB"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
  ip -n "$ns" link set lo up
done
ip -n "$NSA" link add a0 address 02:53:00:00:00:01 type veth \
  peer name b0 address 02:53:00:00:00:02 netns "$NSB"
ip netns exec "$NSA" ethtool -K a0 tx off tso off gso off gro off >/dev/null
ip netns exec "$NSB" ethtool -K b0 tx off tso off gso off gro off >/dev/null
ip -n "$NSA" addr add 10.53.0.1/24 dev a0
ip -n "$NSA" addr add fd53::1/64 dev a0 nodad
ip -n "$NSB" addr add 10.53.0.2/24 dev b0
ip -n "$NSB" addr add fd53::2/64 dev b0 nodad
ip -n "$NSA" link set a0 up
ip -n "$NSB" link set b0 up
sleep 3   # let link-up IPv6 multicast listener reports pass before capturing

# --- HTTP server ----------------------------------------------------------------
ip netns exec "$NSA" node http-server.mjs 80 8080 >"$TMP/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$TMP/server.log" && break; sleep 0.1; done
grep -q 'listening on' "$TMP/server.log" || { cat "$TMP/server.log"; exit 1; }

# --- capture --------------------------------------------------------------------
ip netns exec "$NSA" tcpdump -i a0 --immediate-mode -U -Z root -w "$TMP/http.pcap" >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

# Each curl run uses its own fixed client port; -w prints the status lines.
c() {
  local port=$1; shift
  ip netns exec "$NSB" curl -sS --local-port "$port" -o /dev/null \
    -w '%{http_code} %{url_effective} (%{size_download} bytes, conn %{num_connects})\n' "$@"
  sleep 0.2
}
{
  c 41001 http://10.53.0.1/index.html
  c 41002 -d 'name=vpnscope&lang=typescript&note=hello+world' http://10.53.0.1/form
  c 41003 -H 'Content-Type: application/json' \
    -d '{"tool":"vpnscope","version":1,"tags":["pcap","dissector"]}' http://10.53.0.1/api/echo
  # keep-alive: three requests on one TCP connection
  c 41004 -o /dev/null -o /dev/null http://10.53.0.1/index.html http://10.53.0.1/style.css http://10.53.0.1/hello.txt
  c 41005 http://10.53.0.1/chunked
  c 41006 http://10.53.0.1/big.txt
  c 41007 http://10.53.0.1/missing.html
  c 41008 -g 'http://[fd53::1]/hello.txt'
  c 41009 http://10.53.0.1:8080/index.html
} | tee "$TMP/curl.log"

sleep 1
kill -INT "$CAP"
wait "$CAP" || true

mv "$TMP/http.pcap" http.pcap
echo "http.pcap: $(tcpdump -r http.pcap 2>/dev/null | wc -l) packets"
