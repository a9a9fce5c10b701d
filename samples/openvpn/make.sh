#!/usr/bin/env bash
# Make one OpenVPN sample capture between two private network namespaces.
#
#   samples/openvpn/make.sh VARIANT [OUTDIR]
#   samples/openvpn/make.sh --list
#   samples/openvpn/make.sh --describe VARIANT   one TSV line: name, transport,
#        port, control-channel wrapping, server options, client options
#
# Writes OUTDIR/VARIANT.pcap (default OUTDIR: this directory), plus
#   VARIANT.tshark.txt   `tshark -r VARIANT.pcap` (default decode)
#   VARIANT.opcodes.txt  frame / opcode / key id with OpenVPN forced on the port
# and, for the TLS variants, the per-session secrets into keys/:
#   keys/VARIANT.keylog        TLS secrets (NSS key log format) of every TLS
#                              session in the capture (initial + renegotiations)
#   keys/VARIANT.session-keys.txt  keys openvpn derived, from the client's log
#                              (Outgoing = client to server, Incoming = server to client)
# The key log needs gcc and the OpenSSL headers (libssl-dev) to build keylog.c;
# without them the captures are still made, without keys/VARIANT.keylog.
#
# KEEP_LOGS=DIR in the environment keeps the openvpn/tcpdump/http logs there.
#
# Needs root, openvpn 2.6, tcpdump, tshark, curl, ping, python3, iproute2.
#
# All traffic stays between two namespaces created here and joined by one
# veth pair:  server 10.94.0.1/24 <-> client 10.94.0.2/24, tunnel 10.8.0.0/24.
# The capture is taken with tcpdump on the server-side veth (Ethernet link
# type) for the whole life of the session. Namespaces and processes are
# removed on exit, whatever the exit path; every wait has a deadline.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
KEYS="$HERE/keys"

VARIANTS=(udp-tls tcp-tls tls-auth-sha1 tls-auth-sha256 tls-auth-sha512 tls-auth-md5
          tls-crypt tls-crypt-v2 cbc chacha static-key p2p-tls reneg tcp-tls-auth port-5000
          tls12 compress prf userpass)

usage() { echo "usage: $0 VARIANT [OUTDIR]   (variants: ${VARIANTS[*]})" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
if [[ $1 == --list ]]; then printf '%s\n' "${VARIANTS[@]}"; exit 0; fi
DESCRIBE=0
if [[ $1 == --describe ]]; then DESCRIBE=1; shift; [[ $# -ge 1 ]] || usage; fi
VARIANT=$1

SRV_IP=10.94.0.1
CLI_IP=10.94.0.2
TUN_SRV=10.8.0.1
TUN_CLI=10.8.0.2        # only fixed in the point-to-point variants
HTTP_PORT=8000

# ---------------------------------------------------------------- variants
# MODE: server  = --server/--client (multi-client server, topology subnet)
#       p2p     = --tls-server/--tls-client with --ifconfig
#       static  = --secret (pre-shared static key, no TLS)
MODE=server
PROTO=udp
PORT=1194
PINGS=3
PING_INTERVAL=1
RENEGS=0        # >0: ping until this many renegotiations are done, then PINGS_AFTER more
PINGS_AFTER=6
WRAP=plain      # control channel wrapping: plain, hmacN (tls-auth, N-byte HMAC),
                # tls-crypt, tls-crypt-v2, static (no control channel at all)
SRV_EXTRA=()
CLI_EXTRA=()
NO_EKM=0        # 1: the client does not announce TLS-EKM (see prf below)

case $VARIANT in
  udp-tls) ;;
  tcp-tls) PROTO=tcp ;;
  tls-auth-sha1)
    WRAP=hmac20
    SRV_EXTRA=(--tls-auth "$KEYS/ta.key" 0)
    CLI_EXTRA=(--tls-auth "$KEYS/ta.key" 1) ;;
  tls-auth-sha256|tls-auth-sha512|tls-auth-md5)
    d=${VARIANT#tls-auth-}; d=${d^^}
    case $d in SHA256) WRAP=hmac32 ;; SHA512) WRAP=hmac64 ;; MD5) WRAP=hmac16 ;; esac
    SRV_EXTRA=(--tls-auth "$KEYS/ta.key" 0 --auth "$d")
    CLI_EXTRA=(--tls-auth "$KEYS/ta.key" 1 --auth "$d") ;;
  tls-crypt)
    WRAP=tls-crypt
    SRV_EXTRA=(--tls-crypt "$KEYS/tc.key")
    CLI_EXTRA=(--tls-crypt "$KEYS/tc.key") ;;
  tls-crypt-v2)
    WRAP=tls-crypt-v2
    SRV_EXTRA=(--tls-crypt-v2 "$KEYS/tc2-server.key")
    CLI_EXTRA=(--tls-crypt-v2 "$KEYS/tc2-client.key") ;;
  cbc)
    SRV_EXTRA=(--data-ciphers AES-256-CBC --cipher AES-256-CBC)
    CLI_EXTRA=(--data-ciphers AES-256-CBC --cipher AES-256-CBC) ;;
  chacha)
    SRV_EXTRA=(--data-ciphers CHACHA20-POLY1305)
    CLI_EXTRA=(--data-ciphers CHACHA20-POLY1305) ;;
  static-key)
    MODE=static
    WRAP=static
    SRV_EXTRA=(--secret "$KEYS/static.key" 0 --cipher AES-256-CBC)
    CLI_EXTRA=(--secret "$KEYS/static.key" 1 --cipher AES-256-CBC) ;;
  p2p-tls) MODE=p2p ;;
  reneg)
    # Only the client renegotiates (every 12 s); the server keeps its default
    # (3600 s, randomised) so both ends never race to start the same renegotiation.
    CLI_EXTRA=(--reneg-sec 12)
    # One ping a second until the client's second renegotiation (key id 2, at
    # ~24 s) is done, then 6 more so the client has moved its sending to key 2
    # (openvpn keeps sending on the old key for some seconds), then HTTP and
    # exit at ~31 s, well before a third renegotiation at ~36 s.
    RENEGS=2 ;;
  tcp-tls-auth)
    PROTO=tcp
    WRAP=hmac32
    SRV_EXTRA=(--tls-auth "$KEYS/ta.key" 0 --auth SHA256)
    CLI_EXTRA=(--tls-auth "$KEYS/ta.key" 1 --auth SHA256) ;;
  port-5000) PORT=5000 ;;
  tls12)
    # TLS 1.2 on the control channel: certificates travel in clear, and the data
    # keys are exported with the TLS 1.2 PRF.
    SRV_EXTRA=(--tls-version-max 1.2)
    CLI_EXTRA=(--tls-version-max 1.2) ;;
  compress)
    # Compression framing without compression (the "stub" of --compress): every
    # data-channel payload starts with OpenVPN's "not compressed" byte.
    SRV_EXTRA=(--compress stub --allow-compression asym)
    CLI_EXTRA=(--compress stub --allow-compression asym) ;;
  prf)
    # The client announces no TLS-EKM support (keylog.c clears that bit of
    # IV_PROTO in its peer info, as a 2.4/2.5 client sends it), so the server
    # pushes no "key-derivation tls-ekm" and both derive the data keys with
    # OpenVPN's own PRF from the key method 2 randoms sent inside TLS.
    NO_EKM=1 ;;
  userpass)
    # Username and password on top of the certificates (keys/userpass.txt); the server's check
    # accepts everyone (/bin/true), as the point is what the client sends inside TLS.
    SRV_EXTRA=(--auth-user-pass-verify /bin/true via-env --script-security 2)
    CLI_EXTRA=(--auth-user-pass "$KEYS/userpass.txt") ;;
  *) usage ;;
esac

# ---------------------------------------------------------------- options
# --verb 7 makes openvpn log the data-channel and dynamic tls-crypt keys it
# derives (see keys/ below); it changes nothing on the wire.
COMMON=(--dev tun --verb 7 --mute-replay-warnings)
if [[ $PROTO == udp ]]; then SRV_PROTO=(--proto udp); CLI_PROTO=(--proto udp)
else SRV_PROTO=(--proto tcp-server); CLI_PROTO=(--proto tcp-client); fi

case $MODE in
  server)
    SRV_OPTS=(--topology subnet --server 10.8.0.0 255.255.255.0
              "${SRV_PROTO[@]}" --local "$SRV_IP" --port "$PORT"
              --ca "$KEYS/ca.crt" --cert "$KEYS/server.crt" --key "$KEYS/server.key" --dh none)
    CLI_OPTS=(--client "${CLI_PROTO[@]}" --remote "$SRV_IP" "$PORT" --nobind
              --ca "$KEYS/ca.crt" --cert "$KEYS/client.crt" --key "$KEYS/client.key"
              --remote-cert-tls server) ;;
  p2p)
    SRV_OPTS=(--tls-server "${SRV_PROTO[@]}" --local "$SRV_IP" --lport "$PORT"
              --ifconfig "$TUN_SRV" "$TUN_CLI"
              --ca "$KEYS/ca.crt" --cert "$KEYS/server.crt" --key "$KEYS/server.key" --dh none)
    CLI_OPTS=(--tls-client "${CLI_PROTO[@]}" --remote "$SRV_IP" "$PORT" --nobind
              --ifconfig "$TUN_CLI" "$TUN_SRV"
              --ca "$KEYS/ca.crt" --cert "$KEYS/client.crt" --key "$KEYS/client.key"
              --remote-cert-tls server) ;;
  static)
    SRV_OPTS=("${SRV_PROTO[@]}" --local "$SRV_IP" --lport "$PORT"
              --ifconfig "$TUN_SRV" "$TUN_CLI")
    CLI_OPTS=("${CLI_PROTO[@]}" --remote "$SRV_IP" "$PORT" --nobind
              --ifconfig "$TUN_CLI" "$TUN_SRV") ;;
esac
# SIGTERM on the client then tells the server it is leaving (UDP only).
[[ $PROTO == udp ]] && CLI_OPTS+=(--explicit-exit-notify 1)
SRV_OPTS+=("${SRV_EXTRA[@]}")
CLI_OPTS+=("${CLI_EXTRA[@]}")

if ((DESCRIBE)); then
  show() { local a out=""; for a in "$@"; do out+=" ${a#"$HERE/"}"; done; echo "${out# }"; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$VARIANT" "$PROTO" "$PORT" "$WRAP" \
    "$(show "${COMMON[@]}" "${SRV_OPTS[@]}")" "$(show "${COMMON[@]}" "${CLI_OPTS[@]}")"
  exit 0
fi

OUTDIR=$(mkdir -p "${2:-$HERE}" && cd "${2:-$HERE}" && pwd)
[[ $(id -u) == 0 ]] || { echo "must run as root (network namespaces)" >&2; exit 1; }
for t in openvpn tcpdump tshark curl ping ip ss python3 timeout; do
  command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
done
[[ -f $KEYS/ca.crt && -f $KEYS/tc2-client.key ]] || "$HERE/gen-keys.sh" >/dev/null

# ---------------------------------------------------------------- plumbing
ID=$$
NS_S=vpnscope-s-$ID
NS_C=vpnscope-c-$ID
IF_S=vps$ID      # server end of the veth (capture point)
IF_C=vpc$ID
WORK=$(mktemp -d /tmp/vpnscope-ovpn.XXXXXX)
PIDS=()

cleanup() {
  local rc=$?
  trap '' INT TERM HUP    # a second signal must not cut the cleanup short
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for ns in "$NS_S" "$NS_C"; do
    if ip netns list | grep -qw "$ns"; then
      # anything still inside a namespace made here was started here
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
  done
  ip link del "$IF_S" 2>/dev/null
  if [[ $rc != 0 ]]; then
    echo "== $VARIANT failed (rc=$rc); logs:" >&2
    for f in "$WORK"/*.log "$WORK"/*.out; do [[ -f $f ]] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }; done
  fi
  if [[ -n ${KEEP_LOGS:-} ]]; then
    mkdir -p "$KEEP_LOGS" && for f in "$WORK"/*.log "$WORK"/*.out; do
      [[ -f $f ]] && cp "$f" "$KEEP_LOGS/$VARIANT.$(basename "$f")"
    done
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

die() { echo "$VARIANT: $*" >&2; exit 1; }

# wait_for DEADLINE_S DESCRIPTION CMD...   (polls every 0.1 s)
wait_for() {
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || die "timed out after ${secs}s waiting for $what"
    sleep 0.1
  done
}
alive() { kill -0 "$1" 2>/dev/null; }
# wait (bounded) for a pid that is not our child
wait_gone() { local end=$((SECONDS + $2)); while alive "$1" && ((SECONDS < end)); do sleep 0.1; done; ! alive "$1"; }

KEYLOG_SO=
if [[ $MODE != static ]]; then
  if command -v gcc >/dev/null && gcc -shared -fPIC -O2 -o "$WORK/keylog.so" "$HERE/keylog.c" -ldl -lssl 2>"$WORK/gcc.log"; then
    KEYLOG_SO=$WORK/keylog.so
  else
    echo "$VARIANT: keylog.c did not build (gcc/libssl-dev missing?): no TLS key log" >&2
  fi
fi
CLI_ENV=()
[[ -n $KEYLOG_SO ]] && CLI_ENV=(env LD_PRELOAD="$KEYLOG_SO" SSLKEYLOGFILE="$WORK/client.keylog")
if ((NO_EKM)); then
  [[ -n $KEYLOG_SO ]] || die "the prf variant needs keylog.c built (gcc, libssl-dev)"
  CLI_ENV+=(VPNSCOPE_NO_EKM=1)
fi

ip netns add "$NS_S"
ip netns add "$NS_C"
ip link add "$IF_S" type veth peer name "$IF_C"
ip link set "$IF_S" netns "$NS_S"
ip link set "$IF_C" netns "$NS_C"
for pair in "$NS_S:$IF_S:$SRV_IP:02:94:00:00:00:01" "$NS_C:$IF_C:$CLI_IP:02:94:00:00:00:02"; do
  IFS=: read -r ns ifc ip mac <<<"$pair"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$ifc" address "$mac"
  ip -n "$ns" addr add "$ip/24" dev "$ifc"
  ip -n "$ns" link set "$ifc" up
done
# Static neighbours: no ARP exchange in the capture.
ip -n "$NS_S" neigh replace "$CLI_IP" lladdr 02:94:00:00:00:02 dev "$IF_S" nud permanent
ip -n "$NS_C" neigh replace "$SRV_IP" lladdr 02:94:00:00:00:01 dev "$IF_C" nud permanent

PCAP_TMP="$WORK/$VARIANT.pcap"
ip netns exec "$NS_S" tcpdump -i "$IF_S" -n -U -s 0 -w "$PCAP_TMP" >"$WORK/tcpdump.log" 2>&1 &
PIDS+=($!); TCPDUMP=$!
wait_for 10 "tcpdump to listen" grep -q "listening on" "$WORK/tcpdump.log"

ip netns exec "$NS_S" openvpn "${COMMON[@]}" "${SRV_OPTS[@]}" --log "$WORK/server.log" >"$WORK/server.out" 2>&1 &
PIDS+=($!); SERVER=$!
if [[ $PROTO == udp ]]; then
  wait_for 15 "server socket" sh -c "ip netns exec $NS_S ss -Hlun 'sport = :$PORT' | grep -q ."
else
  wait_for 15 "server socket" sh -c "ip netns exec $NS_S ss -Hltn 'sport = :$PORT' | grep -q ."
fi

# tiny HTTP server on the server's tunnel address, up before the client
# starts so that its start-up time does not stretch the session
mkdir -p "$WORK/www"
printf 'hello from vpnscope\n' >"$WORK/www/index.html"
wait_for 10 "server tunnel address" sh -c "ip -n $NS_S -4 addr show | grep -qE 'inet $TUN_SRV[/ ]'"
ip netns exec "$NS_S" python3 -m http.server "$HTTP_PORT" --bind "$TUN_SRV" --directory "$WORK/www" \
  >"$WORK/http.log" 2>&1 &
PIDS+=($!); HTTPD=$!
wait_for 15 "http server" sh -c "ip netns exec $NS_S ss -Hltn 'sport = :$HTTP_PORT' | grep -q ."

ip netns exec "$NS_C" "${CLI_ENV[@]}" openvpn "${COMMON[@]}" "${CLI_OPTS[@]}" --log "$WORK/client.log" >"$WORK/client.out" 2>&1 &
PIDS+=($!); CLIENT=$!
wait_for 30 "client 'Initialization Sequence Completed'" grep -q "Initialization Sequence Completed" "$WORK/client.log"
alive "$SERVER" || die "server died"

# traffic through the tunnel
if ((RENEGS == 0)); then
  ip netns exec "$NS_C" timeout $((PINGS * PING_INTERVAL + 15)) \
    ping -n -c "$PINGS" -i "$PING_INTERVAL" -W 2 "$TUN_SRV" >"$WORK/ping.log" 2>&1 \
    || die "ping failed: $(cat "$WORK/ping.log")"
else
  ip netns exec "$NS_C" ping -n -c 120 -i "$PING_INTERVAL" -W 2 "$TUN_SRV" >"$WORK/ping.log" 2>&1 &
  PIDS+=($!); PING=$!
  # the initial handshake logs "Control Channel:" too, hence RENEGS + 1
  wait_for $((RENEGS * 12 + 20)) "$RENEGS renegotiations" \
    sh -c "[ \$(grep -c 'Control Channel:' '$WORK/client.log') -ge $((RENEGS + 1)) ]"
  sleep $((PINGS_AFTER * PING_INTERVAL))
  kill -INT "$PING"
  wait "$PING" 2>/dev/null || die "ping failed: $(cat "$WORK/ping.log")"
fi
body=$(ip netns exec "$NS_C" curl -sS --max-time 10 "http://$TUN_SRV:$HTTP_PORT/") \
  || die "curl failed"
[[ $body == "hello from vpnscope" ]] || die "unexpected HTTP body: $body"
sleep 0.5

# SIGTERM the client (explicit-exit-notify on UDP), let the goodbye reach the wire
kill -TERM "$CLIENT"
wait_gone "$CLIENT" 15 || die "client did not exit"
sleep 1
kill -INT "$TCPDUMP"
wait_gone "$TCPDUMP" 10 || die "tcpdump did not exit"

# ---------------------------------------------------------------- outputs
cp "$PCAP_TMP" "$OUTDIR/$VARIANT.pcap"
# per-session secrets go next to the other keys when writing into this
# directory, next to the capture otherwise
KEYOUT=$KEYS
[[ $OUTDIR == "$HERE" ]] || KEYOUT=$OUTDIR
rm -f "$KEYOUT/$VARIANT.keylog" "$KEYOUT/$VARIANT.session-keys.txt"
[[ -s $WORK/client.keylog ]] && cp "$WORK/client.keylog" "$KEYOUT/$VARIANT.keylog"
if [[ $MODE != static ]]; then
  { echo "# $VARIANT: keys logged by the openvpn client (--verb 7), in the order it set them up."
    echo "# Outgoing = client to server, Incoming = server to client; one block per key id (0, 1, ...)."
    echo "# 'Master Encrypt/Decrypt' is the key material for the data channel of that key id;"
    echo "# 'dynamic tls-crypt' keys wrap the control channel of renegotiations (key id > 0)."
    sed -nE 's/^[0-9-]+ [0-9:]+ (us=[0-9]+ )?//; /^(Master (En|De)crypt|(Outgoing|Incoming) .*(CIPHER KEY|HMAC KEY|initialized with))/p' \
      "$WORK/client.log"
  } >"$KEYOUT/$VARIANT.session-keys.txt"
fi
cd "$OUTDIR"
# tshark warns on stderr when run as root; keep only its real complaints
quiet_tshark() { tshark "$@" 2> >(grep -v 'Running as user' >&2); }
quiet_tshark -r "$VARIANT.pcap" >"$VARIANT.tshark.txt"
quiet_tshark -r "$VARIANT.pcap" -d "$PROTO.port==$PORT,openvpn" \
  -T fields -e frame.number -e openvpn.opcode -e openvpn.keyid >"$VARIANT.opcodes.txt"
n=$(wc -l <"$VARIANT.tshark.txt")
echo "$VARIANT: $n packets -> $OUTDIR/$VARIANT.pcap"
