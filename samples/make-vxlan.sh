#!/usr/bin/env bash
# Regenerates samples/vxlan.pcap: an overlay network, two nesting dolls deep.
#
# Two namespaces joined by a veth pair (the underlay, 10.47.0.1 and 10.47.0.2) each get a kernel
# VXLAN device (VNI 4242, UDP port 4789) with an overlay address (192.168.47.1/.2, fd47::1/::2).
# ping and ping -6 cross the overlay, and dig asks dnsmasq (in the first namespace, on its overlay
# address) for a name. tcpdump captures on the underlay veth, so every frame is
# Ethernet / IPv4 / UDP / VXLAN / Ethernet / IP / ... as a hypervisor's uplink would see it.
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump ping dig dnsmasq ethtool ss; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-vxlan-a   # underlay 10.47.0.1, overlay 192.168.47.1 / fd47::1, DNS server
NSB=vsample-vxlan-b   # underlay 10.47.0.2, overlay 192.168.47.2 / fd47::2
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

# --- underlay ---------------------------------------------------------------
ip netns del "$NSA" 2>/dev/null || true
ip netns del "$NSB" 2>/dev/null || true
ip netns add "$NSA"
ip netns add "$NSB"
for ns in "$NSA" "$NSB"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
  ip -n "$ns" link set lo up
done
ip -n "$NSA" link add a0 address 02:47:00:00:00:01 type veth \
  peer name b0 address 02:47:00:00:00:02 netns "$NSB"
ip netns exec "$NSA" ethtool -K a0 tx off tso off gso off gro off >/dev/null
ip netns exec "$NSB" ethtool -K b0 tx off tso off gso off gro off >/dev/null
# The underlay carries IPv4 only, so the capture holds no underlay IPv6 housekeeping.
ip netns exec "$NSA" sysctl -qw net.ipv6.conf.a0.disable_ipv6=1
ip netns exec "$NSB" sysctl -qw net.ipv6.conf.b0.disable_ipv6=1
ip -n "$NSA" addr add 10.47.0.1/24 dev a0
ip -n "$NSB" addr add 10.47.0.2/24 dev b0
ip -n "$NSA" link set a0 up
ip -n "$NSB" link set b0 up

# --- overlay ------------------------------------------------------------------
n=0
for side in a b; do
  n=$((n + 1))
  ns=vsample-vxlan-$side
  peer=$((3 - n))
  ip -n "$ns" link add vx0 address 02:47:00:47:00:0$n type vxlan id 4242 dstport 4789 \
    local 10.47.0.$n remote 10.47.0.$peer dev ${side}0
  ip -n "$ns" addr add 192.168.47.$n/24 dev vx0
  ip -n "$ns" addr add fd47::$n/64 dev vx0 nodad
  ip -n "$ns" link set vx0 up
done
sleep 3   # let link-up IPv6 multicast listener reports pass before capturing

# --- DNS server on the overlay ---------------------------------------------------
ip netns exec "$NSA" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
  --user=root --pid-file= --log-facility=- \
  --interface=vx0 --bind-interfaces --listen-address=192.168.47.1 \
  --local=/overlay.test/ --host-record=web.overlay.test,192.168.47.80,fd47::80 \
  >"$TMP/dnsmasq.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
  ip netns exec "$NSA" ss -lnu | grep -q '192.168.47.1:53 ' && break
  sleep 0.1
done

# --- capture ----------------------------------------------------------------------
ip netns exec "$NSA" tcpdump -i a0 --immediate-mode -U -Z root -w "$TMP/vxlan.pcap" >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

ip netns exec "$NSB" ping -c 2 -i 0.2 192.168.47.1 >/dev/null
ip netns exec "$NSB" ping -6 -c 2 -i 0.2 fd47::1 >/dev/null
ip netns exec "$NSB" dig +tries=1 +time=2 +noedns @192.168.47.1 web.overlay.test A >/dev/null

sleep 0.5
kill -INT "$CAP"
wait "$CAP" 2>/dev/null || true
cp "$TMP/vxlan.pcap" vxlan.pcap
echo "wrote samples/vxlan.pcap"
