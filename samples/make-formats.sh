#!/usr/bin/env bash
# Regenerates the capture-file-format samples, all from one run of real traffic:
#   samples/sll.pcap          tcpdump -i any -y LINUX_SLL    (Linux cooked v1)
#   samples/sll2.pcap         tcpdump -i any -y LINUX_SLL2   (Linux cooked v2)
#   samples/nanosecond.pcap   tcpdump -i a0 --time-stamp-precision=nano
#   samples/multi-if.pcapng   dumpcap -i a0 -i a1 (two interface blocks) plus
#                             packet comments added with editcap -a
#   samples/bigendian.pcap    nanosecond.pcap rewritten big-endian by
#                             pcap-to-bigendian.py (checked: tshark -V output
#                             is identical)
#
# Namespace vsample-fmt-a has two veths: a0 to vsample-fmt-b (10.53.0.0/24, fd53::/64)
# and a1 to vsample-fmt-c (10.53.2.0/24). dnsmasq runs in a. Traffic: from b, two
# pings and an A query; from c, two pings and an AAAA query. All four captures
# run at the same time in a, on the same traffic.
# All traffic stays inside the three namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump dumpcap editcap tshark ping dig dnsmasq ethtool python3 ss; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-fmt-a
NSB=vsample-fmt-b
NSC=vsample-fmt-c
TMP=$(mktemp -d)
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in "$NSA" "$NSB" "$NSC"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# --- topology ---------------------------------------------------------------
for ns in "$NSA" "$NSB" "$NSC"; do
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
  ip -n "$ns" link set lo up
done
ip -n "$NSA" link add a0 address 02:53:00:00:00:01 type veth \
  peer name b0 address 02:53:00:00:00:02 netns "$NSB"
ip -n "$NSA" link add a1 address 02:53:00:00:02:01 type veth \
  peer name c0 address 02:53:00:00:02:02 netns "$NSC"
ip netns exec "$NSA" ethtool -K a0 tx off tso off gso off gro off >/dev/null
ip netns exec "$NSA" ethtool -K a1 tx off tso off gso off gro off >/dev/null
ip netns exec "$NSB" ethtool -K b0 tx off tso off gso off gro off >/dev/null
ip netns exec "$NSC" ethtool -K c0 tx off tso off gso off gro off >/dev/null
ip -n "$NSA" addr add 10.53.0.1/24 dev a0
ip -n "$NSA" addr add fd53::1/64 dev a0 nodad
ip -n "$NSA" addr add 10.53.2.1/24 dev a1
ip -n "$NSA" addr add fd53:2::1/64 dev a1 nodad
ip -n "$NSB" addr add 10.53.0.2/24 dev b0
ip -n "$NSB" addr add fd53::2/64 dev b0 nodad
ip -n "$NSC" addr add 10.53.2.2/24 dev c0
ip -n "$NSC" addr add fd53:2::2/64 dev c0 nodad
for dev in "$NSA a0" "$NSA a1" "$NSB b0" "$NSC c0"; do
  set -- $dev
  ip -n "$1" link set "$2" up
done
sleep 3   # let link-up IPv6 multicast listener reports pass before capturing

ip netns exec "$NSA" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
  --user=root --pid-file= --bind-interfaces \
  --listen-address=10.53.0.1 --listen-address=fd53:2::1 \
  --local=/vpnscope.test/ --host-record=host.vpnscope.test,10.53.0.10,fd53::10 \
  >"$TMP/dnsmasq.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
  ip netns exec "$NSA" ss -lnu | grep -q '10.53.0.1:53 ' && break
  sleep 0.1
done

# --- captures (all in a, all at once) -------------------------------------------
cap() {  # cap LOGNAME COMMAND...
  local log=$1; shift
  ip netns exec "$NSA" "$@" >"$TMP/$log.log" 2>&1 &
  PIDS+=($!)
  CAPS+=($!)
  for _ in $(seq 100); do
    grep -qE 'listening on|Capturing on' "$TMP/$log.log" && return
    sleep 0.1
  done
  cat "$TMP/$log.log" >&2
  exit 1
}
CAPS=()
cap sll tcpdump -i any -y LINUX_SLL --immediate-mode -U -Z root -w "$TMP/sll.pcap"
cap sll2 tcpdump -i any -y LINUX_SLL2 --immediate-mode -U -Z root -w "$TMP/sll2.pcap"
cap nano tcpdump -i a0 --time-stamp-precision=nano --immediate-mode -U -Z root -w "$TMP/nanosecond.pcap"
cap multi dumpcap -i a0 -i a1 -w "$TMP/multi-if.pcapng"
sleep 0.5

# b and c run side by side so that frames from a0 and a1 interleave.
{
  ip netns exec "$NSB" ping -n -c 2 -i 0.4 10.53.0.1
  ip netns exec "$NSB" dig +tries=1 +time=2 +noedns -b 10.53.0.2#40300 @10.53.0.1 host.vpnscope.test A
} >"$TMP/traffic-b.log" 2>&1 &
TB=$!
sleep 0.2
{
  ip netns exec "$NSC" ping -n -c 2 -i 0.4 10.53.2.1
  ip netns exec "$NSC" dig +tries=1 +time=2 +noedns -b fd53:2::2#40301 @fd53:2::1 host.vpnscope.test AAAA
} >"$TMP/traffic-c.log" 2>&1 || { cat "$TMP/traffic-c.log"; exit 1; }
wait "$TB" || { cat "$TMP/traffic-b.log"; exit 1; }

sleep 1.5
for p in "${CAPS[@]}"; do kill -INT "$p"; done
for p in "${CAPS[@]}"; do wait "$p" || true; done

mv "$TMP/sll.pcap" sll.pcap
mv "$TMP/sll2.pcap" sll2.pcap
mv "$TMP/nanosecond.pcap" nanosecond.pcap

# Packet comments: on the first frame and on the first DNS response.
dns_resp=$(tshark -r "$TMP/multi-if.pcapng" -Y 'dns.flags.response == 1' -T fields -e frame.number 2>/dev/null | head -1)
editcap -a "1:first frame, captured on a0 (interface 0)" \
  -a "$dns_resp:DNS response from dnsmasq; comment added with editcap" \
  "$TMP/multi-if.pcapng" multi-if.pcapng

python3 pcap-to-bigendian.py nanosecond.pcap bigendian.pcap
if ! diff -q <(tshark -r nanosecond.pcap -V 2>/dev/null) <(tshark -r bigendian.pcap -V 2>/dev/null) >/dev/null; then
  echo "bigendian.pcap does not read like nanosecond.pcap" >&2
  exit 1
fi

for f in sll.pcap sll2.pcap nanosecond.pcap bigendian.pcap multi-if.pcapng; do
  echo "$f: $(tshark -r "$f" 2>/dev/null | wc -l) packets"
done
