# Sourced by make-https.sh and make-http2.sh: two network namespaces joined by a veth pair, with a
# self-signed RSA certificate for vpnscope.test, and their removal when the script ends.
#
#   tls_pair NAME NET    namespaces vsample-NAME-a (server 10.NET.0.1, MAC 02:NET:00:00:00:01, veth a0)
#                        and vsample-NAME-b (client 10.NET.0.2, veth b0); IPv6 off, static neighbours,
#                        offloads off so segments are wire-sized. Sets NSA, NSB, TMP (a scratch
#                        directory with cert.pem and key.pem) and PIDS (killed at exit).
# Everything stays inside the two namespaces.

for tool in ip tcpdump openssl ethtool ss curl node; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

PIDS=()

tls_pair_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$NSA" 2>/dev/null || true
  ip netns del "$NSB" 2>/dev/null || true
  rm -rf "$TMP"
}

tls_pair() {
  local name=$1 net=$2
  NSA=vsample-$name-a
  NSB=vsample-$name-b
  TMP=$(mktemp -d)
  trap tls_pair_cleanup EXIT
  ip netns del "$NSA" 2>/dev/null || true
  ip netns del "$NSB" 2>/dev/null || true
  ip netns add "$NSA"
  ip netns add "$NSB"
  for ns in "$NSA" "$NSB"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip -n "$ns" link set lo up
  done
  ip -n "$NSA" link add a0 address "02:$net:00:00:00:01" type veth \
    peer name b0 address "02:$net:00:00:00:02" netns "$NSB"
  ip netns exec "$NSA" ethtool -K a0 tx off tso off gso off gro off >/dev/null
  ip netns exec "$NSB" ethtool -K b0 tx off tso off gso off gro off >/dev/null
  ip -n "$NSA" addr add "10.$net.0.1/24" dev a0
  ip -n "$NSB" addr add "10.$net.0.2/24" dev b0
  ip -n "$NSA" link set a0 up
  ip -n "$NSB" link set b0 up
  ip -n "$NSA" neigh add "10.$net.0.2" lladdr "02:$net:00:00:00:02" dev a0 nud permanent
  ip -n "$NSB" neigh add "10.$net.0.1" lladdr "02:$net:00:00:00:01" dev b0 nud permanent
  sleep 1
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 3650 \
    -subj '/CN=vpnscope.test' -addext 'subjectAltName=DNS:vpnscope.test' 2>/dev/null
}
