#!/usr/bin/env bash
# Regenerates samples/nflog.pcap: packets as a Linux firewall logs them (link type NFLOG, 239).
#
# Two namespaces joined by a veth pair (10.48.0.1 / fd48::1 and 10.48.0.2 / fd48::2). In the first,
# nftables rules send a copy of every packet on its input and output hooks to netfilter log group 5,
# each with its own prefix, and tcpdump listens on that group (nflog:5) — the capture a firewall
# administrator makes to see what a rule matched. ping, ping -6 and a DNS query to dnsmasq in the
# second namespace cross it. Every frame is NFLOG's header and TLVs, then the IPv4 or IPv6 packet.
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip nft tcpdump ping dig dnsmasq ss; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-nflog-a   # 10.48.0.1 / fd48::1, the logging firewall
NSB=vsample-nflog-b   # 10.48.0.2 / fd48::2, DNS server
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
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
  ip -n "$ns" link set lo up
done
ip -n "$NSA" link add a0 address 02:48:00:00:00:01 type veth \
  peer name b0 address 02:48:00:00:00:02 netns "$NSB"
ip -n "$NSA" addr add 10.48.0.1/24 dev a0
ip -n "$NSB" addr add 10.48.0.2/24 dev b0
ip -n "$NSA" addr add fd48::1/64 dev a0 nodad
ip -n "$NSB" addr add fd48::2/64 dev b0 nodad
ip -n "$NSA" link set a0 up
ip -n "$NSB" link set b0 up
sleep 2   # let link-up IPv6 housekeeping pass before logging starts

ip netns exec "$NSB" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
  --user=root --pid-file= --log-facility=- \
  --interface=b0 --bind-interfaces --listen-address=10.48.0.2 \
  --local=/fw.test/ --host-record=web.fw.test,10.48.0.80,fd48::80 \
  >"$TMP/dnsmasq.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
  ip netns exec "$NSB" ss -lnu | grep -q '10.48.0.2:53 ' && break
  sleep 0.1
done

ip netns exec "$NSA" tcpdump -i nflog:5 -Z root -w "$TMP/nflog.pcap" >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

# The firewall's rules: log (a copy to group 5) everything in and out of a0, by direction.
ip netns exec "$NSA" nft -f - <<'EOF'
table inet vpnscope {
  chain in {
    type filter hook input priority 0; policy accept;
    iifname "a0" log group 5 prefix "fw-in"
  }
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "a0" log group 5 prefix "fw-out"
  }
}
EOF

ip netns exec "$NSA" ping -c 2 -i 0.2 10.48.0.2 >/dev/null
ip netns exec "$NSA" ping -6 -c 2 -i 0.2 fd48::2 >/dev/null
ip netns exec "$NSA" dig +tries=1 +time=2 +noedns @10.48.0.2 web.fw.test A >/dev/null

sleep 2   # the kernel hands logged packets over in batches, at the latest a second after logging
kill -INT "$CAP"
wait "$CAP" 2>/dev/null || true
cp "$TMP/nflog.pcap" nflog.pcap
echo "wrote samples/nflog.pcap"
