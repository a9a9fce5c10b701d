#!/usr/bin/env bash
# Regenerates samples/raw.pcap (link type RAW: packets start with the IP header).
#
# Namespaces vsample-raw-a (10.53.1.1, fd53:1::1) and vsample-raw-b (10.53.1.2,
# fd53:1::2) are joined by a point-to-point tunnel: a TUN device in each and a
# small Python relay (below) copying packets between the two TUN file
# descriptors. Traffic: ping (v4 and v6) and dig against dnsmasq in a.
# tcpdump captures on a's TUN device, which has no link-layer header.
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump ping dig dnsmasq python3 ss; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-raw-a
NSB=vsample-raw-b
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

cat >"$TMP/tun-relay.py" <<'PY'
# tun-relay.py NAME_A NAME_B: creates two TUN devices in the current network
# namespace and copies every packet read from one into the other.
import fcntl, os, select, struct, sys
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
fds = []
for name in sys.argv[1:3]:
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    fds.append(fd)
peer = {fds[0]: fds[1], fds[1]: fds[0]}
print('ready', flush=True)
while True:
    for fd in select.select(fds, [], [])[0]:
        pkt = os.read(fd, 65536)
        try:
            os.write(peer[fd], pkt)
        except OSError:  # other side not up yet
            pass
PY

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
# Both TUN devices are created in a; the relay keeps their file descriptors
# when tun1 is moved into b.
ip netns exec "$NSA" python3 -u "$TMP/tun-relay.py" tun0 tun1 >"$TMP/relay.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do grep -q ready "$TMP/relay.log" && break; sleep 0.1; done
grep -q ready "$TMP/relay.log" || { cat "$TMP/relay.log"; exit 1; }
ip -n "$NSA" link set tun1 netns "$NSB"
ip -n "$NSA" addr add 10.53.1.1 peer 10.53.1.2 dev tun0
ip -n "$NSA" addr add fd53:1::1/64 dev tun0 nodad
ip -n "$NSB" addr add 10.53.1.2 peer 10.53.1.1 dev tun1
ip -n "$NSB" addr add fd53:1::2/64 dev tun1 nodad
ip -n "$NSA" link set tun0 up
ip -n "$NSB" link set tun1 up
sleep 3   # let link-up IPv6 multicast listener reports pass before capturing

ip netns exec "$NSA" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
  --user=root --pid-file= --listen-address=10.53.1.1 --bind-interfaces \
  --local=/vpnscope.test/ --host-record=host.vpnscope.test,10.53.1.10,fd53:1::10 \
  >"$TMP/dnsmasq.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
  ip netns exec "$NSA" ss -lnu | grep -q '10.53.1.1:53 ' && break
  sleep 0.1
done

# --- capture --------------------------------------------------------------------
ip netns exec "$NSA" tcpdump -i tun0 --immediate-mode -U -Z root -w "$TMP/raw.pcap" \
  >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

{
  ip netns exec "$NSB" ping -n -c 2 -i 0.3 10.53.1.1
  ip netns exec "$NSB" ping -6 -n -c 2 -i 0.3 fd53:1::1
  ip netns exec "$NSB" dig +tries=1 +time=2 +noedns -b 10.53.1.2#40200 @10.53.1.1 host.vpnscope.test AAAA
} >"$TMP/traffic.log" 2>&1 || { cat "$TMP/traffic.log"; exit 1; }

sleep 1
kill -INT "$CAP"
wait "$CAP" || true
grep -q 'link-type RAW' "$TMP/tcpdump.log" || { cat "$TMP/tcpdump.log"; exit 1; }
mv "$TMP/raw.pcap" raw.pcap
echo "raw.pcap: $(tcpdump -r raw.pcap 2>/dev/null | wc -l) packets"
