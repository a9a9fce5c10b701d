#!/usr/bin/env bash
# Regenerates samples/tcp-loopback.pcap and samples/tcp-lossy.pcap, the TCP
# captures whose tshark values test/tcp.test.ts checks.
#
# tcp-loopback.pcap: tcpdump on the loopback device of namespace vsample-tcp-lo
# (Ethernet framing, MTU 1500, offloads off so segments are wire-sized).
# A small Python HTTP server on 127.0.0.1:8000; curl GETs a short and a
# 20000-byte file (client ports 42001, 42002); a Python client that lets its
# connection idle with 1-second keep-alives before sending a request (port
# 42003); a connection attempt to a closed port (42004 → 8001, answered by RST).
#
# tcp-lossy.pcap: namespaces vsample-tcp-a (server, 10.53.2.1) and
# vsample-tcp-b (client, 10.53.2.2) joined by TUN devices and a Python relay
# that impairs the link on purpose, always the same way (data segments counted
# per direction over the whole capture): towards the server it drops the first
# copy of the 4th, swaps the 7th and 8th and sends the 10th twice; towards the
# client it drops the first copy of the 5th. curl POSTs 20000 bytes (port 42011)
# and GETs 20000 bytes (port 42012). tcpdump captures on the server's TUN (link
# type RAW), so losses towards the server appear as gaps and late
# retransmissions, losses towards the client as duplicate ACKs and
# retransmissions.
#
# Sequence numbers and timings change on every run: after regenerating, refresh
# the per-frame tables in test/tcp.test.ts from
#   tshark -o tcp.reassemble_out_of_order:TRUE -T fields -e tcp.stream -e tcp.seq …
# All traffic stays inside the namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump curl python3 ethtool ss tshark; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSL=vsample-tcp-lo
NSA=vsample-tcp-a
NSB=vsample-tcp-b
TMP=$(mktemp -d)
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in "$NSL" "$NSA" "$NSB"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

cat >"$TMP/server.py" <<'PY'
# server.py ADDR PORT: HTTP/1.1 server; GET /small (13 bytes), GET /big (20000
# bytes); POST reads the body and answers with its length.
import http.server, sys
BIG = (b'vpnscope tcp sample line\n' * 800)[:20000]
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'vpnscope-sample/1.0'
    sys_version = ''
    def date_time_string(self, timestamp=None):
        return 'Thu, 01 Jan 2026 00:00:00 GMT'
    def reply(self, body, ctype='text/plain'):
        self.send_response(200)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == '/big':
            self.reply(BIG)
        else:
            self.reply(b'hello, world\n')
    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        data = self.rfile.read(n)
        self.reply(b'received %d bytes\n' % len(data))
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
PY

cat >"$TMP/keepalive.py" <<'PY'
# keepalive.py: connects from port 42003, idles with 1-second TCP keep-alives,
# then sends one request and reads the answer.
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 42003))
s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
s.connect(('127.0.0.1', 8000))
time.sleep(2.5)
s.sendall(b'GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
while s.recv(4096):
    pass
s.close()
PY

cat >"$TMP/lossy-relay.py" <<'PY'
# lossy-relay.py TUN_SERVER TUN_CLIENT: creates two TUN devices and copies IPv4
# packets between them, impairing TCP data segments by a fixed plan (counted
# per direction, first copies only): towards the server drop #4, swap #7/#8,
# duplicate #10; towards the client drop #5.
import fcntl, os, select, struct, sys
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
fds = []
for name in sys.argv[1:3]:
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    fds.append(fd)
server_fd, client_fd = fds
PLAN = {client_fd: {4: 'drop', 7: 'hold', 10: 'dup'}, server_fd: {5: 'drop'}}
count = {client_fd: 0, server_fd: 0}
seen = {client_fd: set(), server_fd: set()}
held = {}

def data_key(pkt):
    if len(pkt) < 40 or pkt[0] >> 4 != 4 or pkt[9] != 6:
        return None
    ihl = (pkt[0] & 15) * 4
    doff = (pkt[ihl + 12] >> 4) * 4
    if struct.unpack('!H', pkt[2:4])[0] - ihl - doff <= 0:
        return None
    return pkt[ihl:ihl + 8]  # ports and sequence number

def send(fd, pkt):
    try:
        os.write(fd, pkt)
    except OSError:
        pass

print('ready', flush=True)
while True:
    ready = select.select(fds, [], [], 0.2)[0]
    if not ready:
        for src, pkt in list(held.items()):  # nothing followed a held segment: let it go
            send(server_fd if src == client_fd else client_fd, pkt)
            del held[src]
    for src in ready:
        pkt = os.read(src, 65536)
        dst = server_fd if src == client_fd else client_fd
        key = data_key(pkt)
        action = None
        if key is not None and key not in seen[src]:
            seen[src].add(key)
            count[src] += 1
            action = PLAN[src].get(count[src])
        if action == 'drop':
            continue
        if action == 'hold':
            held[src] = pkt
            continue
        send(dst, pkt)
        if action == 'dup':
            send(dst, pkt)
        if src in held and key is not None:
            send(dst, held.pop(src))
PY

wait_for() {  # wait_for FILE TEXT
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  cat "$1"; return 1
}

# --- loopback capture -------------------------------------------------------
ip netns del "$NSL" 2>/dev/null || true
ip netns add "$NSL"
ip -n "$NSL" link set lo mtu 1500
ip -n "$NSL" link set lo up
ip netns exec "$NSL" ethtool -K lo tso off gso off gro off >/dev/null
ip netns exec "$NSL" python3 "$TMP/server.py" 127.0.0.1 8000 >"$TMP/server-lo.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do ip netns exec "$NSL" ss -lnt | grep -q '127.0.0.1:8000 ' && break; sleep 0.1; done

ip netns exec "$NSL" tcpdump -i lo -B 16384 -s 2048 -U -Z root -w "$TMP/tcp-loopback.pcap" 'tcp' >"$TMP/tcpdump-lo.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
wait_for "$TMP/tcpdump-lo.log" 'listening on'
{
  ip netns exec "$NSL" curl -sS --local-port 42001 -o /dev/null http://127.0.0.1:8000/small
  sleep 0.2
  ip netns exec "$NSL" curl -sS --local-port 42002 -o /dev/null http://127.0.0.1:8000/big
  sleep 0.2
  ip netns exec "$NSL" python3 "$TMP/keepalive.py"
  sleep 0.2
  ip netns exec "$NSL" curl -sS --local-port 42004 --max-time 2 http://127.0.0.1:8001/ || true
} >"$TMP/traffic-lo.log" 2>&1
sleep 0.5
kill -INT "$CAP"
wait "$CAP" || true
cat "$TMP/tcpdump-lo.log" >&2
mv "$TMP/tcp-loopback.pcap" tcp-loopback.pcap
echo "tcp-loopback.pcap: $(tcpdump -r tcp-loopback.pcap 2>/dev/null | wc -l) packets"

# --- impaired link capture --------------------------------------------------
for ns in "$NSA" "$NSB"; do
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
# Both TUN devices are made in a; the relay keeps their descriptors when tun1 moves to b.
ip netns exec "$NSA" python3 -u "$TMP/lossy-relay.py" tun0 tun1 >"$TMP/relay.log" 2>&1 &
PIDS+=($!)
wait_for "$TMP/relay.log" ready
ip -n "$NSA" link set tun1 netns "$NSB"
ip -n "$NSA" addr add 10.53.2.1 peer 10.53.2.2 dev tun0
ip -n "$NSB" addr add 10.53.2.2 peer 10.53.2.1 dev tun1
ip -n "$NSA" link set tun0 up
ip -n "$NSB" link set tun1 up
ip netns exec "$NSA" python3 "$TMP/server.py" 10.53.2.1 8000 >"$TMP/server-a.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do ip netns exec "$NSA" ss -lnt | grep -q '10.53.2.1:8000 ' && break; sleep 0.1; done

ip netns exec "$NSA" tcpdump -i tun0 -B 16384 -s 2048 -U -Z root -w "$TMP/tcp-lossy.pcap" 'tcp' >"$TMP/tcpdump-a.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
wait_for "$TMP/tcpdump-a.log" 'listening on'
head -c 20000 /dev/zero | tr '\0' 'x' >"$TMP/body.txt"
{
  ip netns exec "$NSB" curl -sS --local-port 42011 -H 'Expect:' -H 'Content-Type: text/plain' \
    --data-binary @"$TMP/body.txt" http://10.53.2.1:8000/upload
  sleep 0.5
  ip netns exec "$NSB" curl -sS --local-port 42012 -o /dev/null http://10.53.2.1:8000/big
} >"$TMP/traffic-a.log" 2>&1 || { cat "$TMP/traffic-a.log"; exit 1; }
sleep 1
kill -INT "$CAP"
wait "$CAP" || true
grep -q 'link-type RAW' "$TMP/tcpdump-a.log" || { cat "$TMP/tcpdump-a.log"; exit 1; }
cat "$TMP/tcpdump-a.log" >&2
mv "$TMP/tcp-lossy.pcap" tcp-lossy.pcap
echo "tcp-lossy.pcap: $(tcpdump -r tcp-lossy.pcap 2>/dev/null | wc -l) packets"
tshark -r tcp-lossy.pcap -o tcp.reassemble_out_of_order:TRUE 2>/dev/null | grep -c '\[TCP' | sed 's/^/tcp-lossy.pcap: frames with analysis flags: /'
