#!/usr/bin/env bash
# Regenerates samples/vlan.pcap.
#
# Tagged Ethernet on a trunk veth between namespaces vsample-vlan-a and vsample-vlan-b:
#   VLAN 100 (802.1Q, TPID 0x8100):            10.53.100.1-2, fd53:100::1-2
#   QinQ S-VLAN 200 (802.1ad, TPID 0x88a8) carrying C-VLAN 300 (0x8100):
#                                              10.53.200.1-2
# Traffic: ping (v4 and v6) and dig against dnsmasq over VLAN 100, ping over
# the QinQ pair. tcpdump captures on the trunk veth a0 (the parent interface),
# so the tags are visible.
#
# The 8021q kernel module is not always available (this script does not need
# it): each namespace runs a small tagging bridge (Python, below) that exposes
# tap interfaces named like VLAN subinterfaces (a0.100, a0.200.300) and pushes
# or pops the tags on the trunk veth, i.e. what `ip link add link a0 name
# a0.100 type vlan id 100` would do in the kernel.
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump ping dig dnsmasq python3 ss; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-vlan-a
NSB=vsample-vlan-b
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

cat >"$TMP/vlan-bridge.py" <<'PY'
# vlan-bridge.py TRUNK NAME=TPID:VID[,TPID:VID]... [MAC for each NAME]
# Creates one tap per NAME. Frames the kernel sends on a tap go out on TRUNK
# with the given tag stack (outermost first); tagged frames received on TRUNK
# whose tag stack matches go into the tap with the tags removed.
import fcntl, os, select, socket, struct, sys

TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000
SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40
PACKET_OUTGOING = 4
VLAN_TPIDS = (0x8100, 0x88A8)

trunk_name, specs = sys.argv[1], sys.argv[2:]
trunk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
trunk.bind((trunk_name, 0))
trunk.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)

taps = {}      # fd -> tag stack
by_stack = {}  # tag stack -> fd
for spec in specs:
    name, tags = spec.split('=')
    stack = tuple((int(t, 16), int(v)) for t, v in (x.split(':') for x in tags.split(',')))
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TAP | IFF_NO_PI))
    taps[fd], by_stack[stack] = stack, fd
print('ready', flush=True)

while True:
    ready, _, _ = select.select([trunk, *taps], [], [])
    for r in ready:
        if r is trunk:
            data, anc, _, addr = trunk.recvmsg(65536, socket.CMSG_SPACE(20))
            if addr[2] == PACKET_OUTGOING:
                continue
            stack = []
            for level, kind, cdata in anc:
                if level == SOL_PACKET and kind == PACKET_AUXDATA:
                    status, _, _, _, _, tci, tpid = struct.unpack('IIIHHHH', cdata[:20])
                    if status & TP_STATUS_VLAN_VALID:
                        if not status & TP_STATUS_VLAN_TPID_VALID:
                            tpid = 0x8100
                        stack.append((tpid, tci & 0x0FFF))
            off = 12
            while len(data) >= off + 4 and struct.unpack_from('!H', data, off)[0] in VLAN_TPIDS:
                tpid, tci = struct.unpack_from('!HH', data, off)
                stack.append((tpid, tci & 0x0FFF))
                off += 4
            fd = by_stack.get(tuple(stack))
            if fd is not None:
                try:
                    os.write(fd, data[:12] + data[off:])
                except OSError:  # tap not up yet
                    pass
        else:
            frame = os.read(r, 65536)
            tags = b''.join(struct.pack('!HH', tpid, vid) for tpid, vid in taps[r])
            try:
                trunk.send(frame[:12] + tags + frame[12:])
            except OSError:
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
# Trunk: no addresses, IPv6 off, MTU 1508 so frames with two tags fit.
ip -n "$NSA" link add a0 mtu 1508 address 02:53:00:00:00:01 type veth \
  peer name b0 mtu 1508 address 02:53:00:00:00:02 netns "$NSB"
ip netns exec "$NSA" sysctl -qw net.ipv6.conf.a0.disable_ipv6=1
ip netns exec "$NSB" sysctl -qw net.ipv6.conf.b0.disable_ipv6=1
ip -n "$NSA" link set a0 up
ip -n "$NSB" link set b0 up

for side in a b; do
  ns=vsample-vlan-$side
  ip netns exec "$ns" python3 -u "$TMP/vlan-bridge.py" ${side}0 \
    "${side}0.100=8100:100" "${side}0.200.300=88a8:200,8100:300" >"$TMP/bridge-$side.log" 2>&1 &
  PIDS+=($!)
done
for side in a b; do
  for _ in $(seq 50); do grep -q ready "$TMP/bridge-$side.log" && break; sleep 0.1; done
  grep -q ready "$TMP/bridge-$side.log" || { cat "$TMP/bridge-$side.log"; exit 1; }
done
n=0
for side in a b; do
  n=$((n + 1))
  ns=vsample-vlan-$side
  ip -n "$ns" link set ${side}0.100 address 02:53:00:01:00:0$n
  ip -n "$ns" link set ${side}0.200.300 address 02:53:00:02:00:0$n
  ip -n "$ns" addr add 10.53.100.$n/24 dev ${side}0.100
  ip -n "$ns" addr add fd53:100::$n/64 dev ${side}0.100 nodad
  ip -n "$ns" addr add 10.53.200.$n/24 dev ${side}0.200.300
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.${side}0/200/300.disable_ipv6=1
  ip -n "$ns" link set ${side}0.100 up
  ip -n "$ns" link set ${side}0.200.300 up
done
sleep 3   # let link-up IPv6 multicast listener reports pass before capturing

ip netns exec "$NSA" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
  --user=root --pid-file= --listen-address=10.53.100.1 --bind-interfaces \
  --local=/vpnscope.test/ --host-record=host.vpnscope.test,10.53.100.10,fd53:100::10 \
  >"$TMP/dnsmasq.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
  ip netns exec "$NSA" ss -lnu | grep -q '10.53.100.1:53 ' && break
  sleep 0.1
done

# --- capture --------------------------------------------------------------------
ip netns exec "$NSA" tcpdump -i a0 --immediate-mode -U -Z root -w "$TMP/vlan.pcap" \
  >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

{
  ip netns exec "$NSB" ping -n -c 2 -i 0.3 10.53.100.1
  ip netns exec "$NSB" ping -6 -n -c 2 -i 0.3 fd53:100::1
  ip netns exec "$NSB" dig +tries=1 +time=2 +noedns -b 10.53.100.2#40100 @10.53.100.1 host.vpnscope.test A
  ip netns exec "$NSB" ping -n -c 2 -i 0.3 10.53.200.1
} >"$TMP/traffic.log" 2>&1 || { cat "$TMP/traffic.log"; exit 1; }

sleep 1
kill -INT "$CAP"
wait "$CAP" || true
mv "$TMP/vlan.pcap" vlan.pcap
echo "vlan.pcap: $(tcpdump -r vlan.pcap 2>/dev/null | wc -l) packets"
