#!/usr/bin/env bash
# Regenerates samples/wireguard.pcap: a WireGuard tunnel between two namespaces.
#
# Two namespaces joined by a veth pair (the underlay, 10.52.0.1 and 10.52.0.2). In each,
# wireguard-go (WireGuard's userspace implementation, on a TUN device) runs wga / wgb (their control
# sockets share /var/run/wireguard, so the names differ) with an overlay
# address (192.168.52.1/.2), configured by `wg` with fixed keys and a persistent keepalive of one
# second on the first side. ping crosses the tunnel, and dig asks dnsmasq (on the second side's
# overlay address) for a name. tcpdump captures on the underlay veth: a handshake initiation and its
# response, transport data carrying the pings and the DNS exchange, and keepalives — everything a
# WireGuard capture shows without the keys.
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump ping dig dnsmasq ss wg wireguard-go; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-wg-a   # underlay 10.52.0.1, overlay 192.168.52.1
NSB=vsample-wg-b   # underlay 10.52.0.2, overlay 192.168.52.2, DNS server
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

ip netns del "$NSA" 2>/dev/null || true
ip netns del "$NSB" 2>/dev/null || true
ip netns add "$NSA"
ip netns add "$NSB"
for ns in "$NSA" "$NSB"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip -n "$NSA" link add a0 address 02:52:00:00:00:01 type veth \
  peer name b0 address 02:52:00:00:00:02 netns "$NSB"
ip -n "$NSA" addr add 10.52.0.1/24 dev a0
ip -n "$NSB" addr add 10.52.0.2/24 dev b0
ip -n "$NSA" link set a0 up
ip -n "$NSB" link set b0 up

# Fixed keys (a sample, not a secret), so the capture's public keys are the same every run.
printf 'WB2p9aDNX3rMwWCVzH7pE3eMxMfbLUlVvkwu2A9lXmA=' >"$TMP/a.key"
printf 'YJtvYh8Mm3jP1ZQ6CnhVXjFDEJ2v+Jm0TcJkFGMc2lI=' >"$TMP/b.key"
PUB_A=$(wg pubkey <"$TMP/a.key")
PUB_B=$(wg pubkey <"$TMP/b.key")

for side in a b; do
  ns=vsample-wg-$side
  ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 wireguard-go wg$side >"$TMP/wg-$side.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 50); do [ -S /var/run/wireguard/wg$side.sock ] && break; sleep 0.1; done
done
ip netns exec "$NSA" wg set wga private-key "$TMP/a.key" listen-port 51820 \
  peer "$PUB_B" endpoint 10.52.0.2:51820 allowed-ips 192.168.52.2/32 persistent-keepalive 1
ip netns exec "$NSB" wg set wgb private-key "$TMP/b.key" listen-port 51820 \
  peer "$PUB_A" endpoint 10.52.0.1:51820 allowed-ips 192.168.52.1/32
for side in a b; do
  n=$([ $side = a ] && echo 1 || echo 2)
  ip -n vsample-wg-$side addr add 192.168.52.$n/24 dev wg$side
done

ip netns exec "$NSB" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
  --user=root --pid-file= --log-facility=- \
  --interface=wgb --bind-interfaces --listen-address=192.168.52.2 \
  --local=/wg.test/ --host-record=vault.wg.test,192.168.52.80 \
  >"$TMP/dnsmasq.log" 2>&1 &
PIDS+=($!)

# --- capture ------------------------------------------------------------------------------------
ip netns exec "$NSA" tcpdump -i a0 --immediate-mode -U -Z root -w "$TMP/wireguard.pcap" udp >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

# Bringing the interfaces up starts the handshake (the persistent keepalive asks for a session).
ip -n "$NSB" link set wgb up
ip -n "$NSA" link set wga up
for _ in $(seq 50); do
  ip netns exec "$NSB" ss -lnu | grep -q '192.168.52.2:53 ' && break
  sleep 0.1
done
sleep 0.5
ip netns exec "$NSA" ping -c 2 -i 0.2 192.168.52.2 >/dev/null
ip netns exec "$NSA" dig +tries=1 +time=2 +noedns @192.168.52.2 vault.wg.test A >/dev/null
sleep 2.2   # two persistent keepalives

kill -INT "$CAP"
wait "$CAP" 2>/dev/null || true
cp "$TMP/wireguard.pcap" wireguard.pcap
echo "wrote samples/wireguard.pcap"
