#!/usr/bin/env bash
# Regenerates samples/tls12.pcap and samples/tls13.pcap.
#
# openssl s_server (self-signed EC P-256 certificate for CN=vpnscope.test,
# generated here) listens on 10.53.0.1:443 in namespace vsample-tls-a and reverses
# each line it receives (-rev); openssl s_client -servername vpnscope.test in
# namespace vsample-tls-b connects with -tls1_2 or -tls1_3, sends one line, reads the
# reply, and closes (close_notify) when its input ends.
# tcpdump captures on the server-side veth (Ethernet link type).
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump openssl ethtool ss; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-tls-a   # server: 10.53.0.1
NSB=vsample-tls-b   # client: 10.53.0.2
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
ip -n "$NSB" addr add 10.53.0.2/24 dev b0
ip -n "$NSA" link set a0 up
ip -n "$NSB" link set b0 up
sleep 3   # let link-up IPv6 multicast listener reports pass before capturing

# --- certificate ------------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 3650 \
  -subj '/CN=vpnscope.test' -addext 'subjectAltName=DNS:vpnscope.test' 2>/dev/null

# run_tls VERSION_FLAG OUTPUT
run_tls() {
  local ver=$1 out=$2
  ip -n "$NSA" neigh flush dev a0
  ip -n "$NSB" neigh flush dev b0
  ip netns exec "$NSA" openssl s_server -accept 443 -naccept 1 -rev \
    -cert "$TMP/cert.pem" -key "$TMP/key.pem" >"$TMP/server.log" 2>&1 &
  local srv=$!
  PIDS+=($srv)
  for _ in $(seq 50); do
    ip netns exec "$NSA" ss -lnt | grep -q ':443 ' && break
    sleep 0.1
  done

  ip netns exec "$NSA" tcpdump -i a0 --immediate-mode -U -Z root -w "$TMP/$out" \
    >"$TMP/tcpdump.log" 2>&1 &
  local cap=$!
  PIDS+=($cap)
  for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

  { printf 'hello vpnscope over TLS\n'; sleep 1; } |
    ip netns exec "$NSB" openssl s_client -connect 10.53.0.1:443 -servername vpnscope.test \
      "$ver" -CAfile "$TMP/cert.pem" -verify_return_error >"$TMP/client.log" 2>&1 ||
    { cat "$TMP/client.log" "$TMP/server.log"; exit 1; }
  grep -E '^New, ' "$TMP/client.log" | sed "s/^/  $out: /" || true
  grep -q 'SLT revo epocsnpv olleh' "$TMP/client.log" || { echo "no echoed line" >&2; exit 1; }

  wait "$srv" || true
  sleep 1
  kill -INT "$cap"
  wait "$cap" || true
  mv "$TMP/$out" "$out"
  echo "$out: $(tcpdump -r "$out" 2>/dev/null | wc -l) packets"
}

run_tls -tls1_2 tls12.pcap
run_tls -tls1_3 tls13.pcap
