#!/usr/bin/env bash
# Regenerates samples/frag.pcap.
#
# Two network namespaces (vsample-frag-a 10.53.0.1/fd53::1, vsample-frag-b
# 10.53.0.2/fd53::2) joined by a veth pair with MTU 1500. ping -s 4000 -c 2
# over IPv4 and ping -6 -s 4000 -c 2 over IPv6 from b to a: every echo request
# and reply (4008-byte ICMP message) is fragmented into three fragments.
# tcpdump captures on a's veth (Ethernet link type).
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump ping ethtool; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-frag-a
NSB=vsample-frag-b
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
ip -n "$NSA" link add a0 mtu 1500 address 02:53:00:00:00:01 type veth \
  peer name b0 mtu 1500 address 02:53:00:00:00:02 netns "$NSB"
ip netns exec "$NSA" ethtool -K a0 tx off tso off gso off gro off >/dev/null
ip netns exec "$NSB" ethtool -K b0 tx off tso off gso off gro off >/dev/null
ip -n "$NSA" addr add 10.53.0.1/24 dev a0
ip -n "$NSA" addr add fd53::1/64 dev a0 nodad
ip -n "$NSB" addr add 10.53.0.2/24 dev b0
ip -n "$NSB" addr add fd53::2/64 dev b0 nodad
ip -n "$NSA" link set a0 up
ip -n "$NSB" link set b0 up
sleep 3   # let link-up IPv6 multicast listener reports pass before capturing

# --- capture --------------------------------------------------------------------
ip netns exec "$NSA" tcpdump -i a0 --immediate-mode -U -Z root -w "$TMP/frag.pcap" \
  >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

# Fixed payload pattern so the fragment contents are the same on every run
# (apart from ping's own timestamp at the start of the ICMP data).
{
  ip netns exec "$NSB" ping -n -s 4000 -c 2 -i 0.5 -p 76706e73636f70650a 10.53.0.1
  ip netns exec "$NSB" ping -6 -n -s 4000 -c 2 -i 0.5 -p 76706e73636f70650a fd53::1
} >"$TMP/ping.log" 2>&1 || { cat "$TMP/ping.log"; exit 1; }

sleep 1
kill -INT "$CAP"
wait "$CAP" || true
mv "$TMP/frag.pcap" frag.pcap
echo "frag.pcap: $(tcpdump -r frag.pcap 2>/dev/null | wc -l) packets"
