#!/usr/bin/env bash
# Regenerates samples/dns.pcap (and samples/dns.pcap.gz, samples/truncated.pcap,
# which are derived from it).
#
# dnsmasq serves a small local zone (vpnscope.test) in network namespace
# vsample-dns-a; dig queries it from namespace vsample-dns-b over a veth pair.
# tcpdump captures on the server-side veth (Ethernet link type).
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump dnsmasq dig ethtool gzip; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-dns-a   # server: 10.53.0.1, fd53::1
NSB=vsample-dns-b   # client: 10.53.0.2, fd53::2
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

# --- DNS server ---------------------------------------------------------------
ip netns exec "$NSA" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
  --user=root --pid-file= --log-facility=- --log-queries \
  --interface=a0 --bind-interfaces --listen-address=10.53.0.1 --listen-address=fd53::1 \
  --local=/vpnscope.test/ --local=/53.10.in-addr.arpa/ \
  --address=/a.vpnscope.test/10.53.0.80 \
  --host-record=host.vpnscope.test,10.53.0.10,fd53::10 \
  --host-record=v6only.vpnscope.test,fd53::66 \
  --cname=www.vpnscope.test,host.vpnscope.test \
  --mx-host=vpnscope.test,mail.vpnscope.test,10 \
  --host-record=mail.vpnscope.test,10.53.0.25 \
  --txt-record=vpnscope.test,"v=spf1 ip4:10.53.0.0/24 -all","vpnscope sample zone" \
  --srv-host=_sip._udp.vpnscope.test,sip.vpnscope.test,5060,10,20 \
  --ptr-record=99.0.53.10.in-addr.arpa,printer.vpnscope.test \
  >"$TMP/dnsmasq.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
  ip netns exec "$NSA" ss -lnu | grep -q '10.53.0.1:53 ' && break
  sleep 0.1
done

# --- capture --------------------------------------------------------------------
ip netns exec "$NSA" tcpdump -i a0 --immediate-mode -U -Z root -w "$TMP/dns.pcap" >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

# Plain queries go without EDNS; the EDNS query carries DO, NSID, client subnet
# and a fixed client cookie; the TCP and IPv6 queries use dig's default EDNS.
q() { ip netns exec "$NSB" dig +tries=1 +time=2 "$@"; }
{
  q -b 10.53.0.2#40001 @10.53.0.1 +noedns host.vpnscope.test A
  q -b 10.53.0.2#40002 @10.53.0.1 +noedns host.vpnscope.test AAAA
  q -b 10.53.0.2#40003 @10.53.0.1 +noedns vpnscope.test MX
  q -b 10.53.0.2#40004 @10.53.0.1 +noedns vpnscope.test TXT
  q -b 10.53.0.2#40005 @10.53.0.1 +noedns www.vpnscope.test CNAME
  q -b 10.53.0.2#40006 @10.53.0.1 +noedns _sip._udp.vpnscope.test SRV
  q -b 10.53.0.2#40007 @10.53.0.1 +noedns -x 10.53.0.99
  q -b 10.53.0.2#40008 @10.53.0.1 +noedns nosuchname.vpnscope.test A
  q -b 10.53.0.2#40009 @10.53.0.1 +edns=0 +dnssec +subnet=10.53.0.0/24 +cookie=0102030405060708 +nsid \
    a.vpnscope.test A
  q -b 10.53.0.2#40010 @10.53.0.1 +tcp +nocookie www.vpnscope.test A
  q -b fd53::2#40011 @fd53::1 +nocookie v6only.vpnscope.test AAAA
} >"$TMP/dig.log" 2>&1 || { cat "$TMP/dig.log" "$TMP/dnsmasq.log"; exit 1; }

sleep 1
kill -INT "$CAP"
wait "$CAP" || true

mv "$TMP/dns.pcap" dns.pcap
gzip -9 -n -c dns.pcap > dns.pcap.gz

# truncated.pcap: dns.pcap cut (head -c) in the middle of its last packet's data.
CUT=$(python3 -c '
import struct, sys
data = open("dns.pcap", "rb").read()
off = 24
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    last = (off, incl)
    off += 16 + incl
print(last[0] + 16 + last[1] // 2)
')
head -c "$CUT" dns.pcap > truncated.pcap

echo "dns.pcap: $(tcpdump -r dns.pcap 2>/dev/null | wc -l) packets"
