#!/usr/bin/env bash
# Regenerates samples/ipsec.pcap: an IPsec VPN negotiated by IKEv2 between two strongSwan gateways.
#
# Two namespaces joined by a veth pair (gateways 10.53.0.1 and 10.53.0.2; the hosts they protect,
# 192.168.53.1 and .2, sit on loopback). In each, strongSwan's charon authenticates with a pre-shared
# key and carries ESP in its userspace IPsec stack (kernel-libipsec, a TUN device), which always
# wraps ESP in UDP port 4500. The capture, on the veth, shows IKE_SA_INIT on UDP 500, IKE_AUTH on
# UDP 4500 after the non-ESP marker (NAT traversal is forced), the protected pings and a DNS query
# to dnsmasq as ESP in UDP, NAT keepalives, and the INFORMATIONAL exchange that deletes the SAs.
# Each charon runs in its own mount namespace, so their /run files do not meet.
# All traffic stays inside the two namespaces created here.
set -euo pipefail
cd "$(dirname "$0")"

for tool in ip tcpdump ping dig dnsmasq ss swanctl unshare; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
CHARON=/usr/lib/ipsec/charon
[ -x "$CHARON" ] || { echo "missing strongSwan's charon (strongswan-charon, libstrongswan-standard-plugins, libcharon-extra-plugins)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "must run as root (network namespaces)" >&2; exit 1; }

NSA=vsample-ipsec-a   # gateway 10.53.0.1, host 192.168.53.1, initiator
NSB=vsample-ipsec-b   # gateway 10.53.0.2, host 192.168.53.2, responder, DNS server
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
ip -n "$NSA" link add a0 address 02:53:00:00:00:01 type veth \
  peer name b0 address 02:53:00:00:00:02 netns "$NSB"
ip -n "$NSA" addr add 10.53.0.1/24 dev a0
ip -n "$NSB" addr add 10.53.0.2/24 dev b0
ip -n "$NSA" addr add 192.168.53.1/32 dev lo
ip -n "$NSB" addr add 192.168.53.2/32 dev lo
ip -n "$NSA" link set a0 up
ip -n "$NSB" link set b0 up

for side in a b; do
  if [ $side = a ]; then me=1; peer=2; else me=2; peer=1; fi
  mkdir -p "$TMP/$side"
  cat >"$TMP/$side/strongswan.conf" <<EOF
charon {
  load = random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 pubkey socket-default kernel-libipsec kernel-netlink vici updown
  keep_alive = 1s
  install_routes = yes
  filelog { stderr { default = 1 } }
  plugins { vici { socket = unix://$TMP/$side/charon.vici } }
}
EOF
  cat >"$TMP/$side/swanctl.conf" <<EOF
connections {
  tunnel {
    version = 2
    local_addrs = 10.53.0.$me
    remote_addrs = 10.53.0.$peer
    encap = yes
    proposals = aes128-sha256-modp2048
    local {
      auth = psk
      id = gw$me.ipsec.test
    }
    remote {
      auth = psk
      id = gw$peer.ipsec.test
    }
    children {
      net {
        local_ts = 192.168.53.$me/32
        remote_ts = 192.168.53.$peer/32
        esp_proposals = aes128gcm16
        mode = tunnel
      }
    }
  }
}
secrets {
  ike-1 {
    id-1 = gw1.ipsec.test
    id-2 = gw2.ipsec.test
    secret = "vpnscope-sample-psk"
  }
}
EOF
  ip netns exec "vsample-ipsec-$side" unshare -m sh -c \
    "mount -t tmpfs tmpfs /run && STRONGSWAN_CONF=$TMP/$side/strongswan.conf exec $CHARON" >"$TMP/$side/charon.log" 2>&1 &
  PIDS+=($!)
done
for side in a b; do
  for _ in $(seq 50); do [ -S "$TMP/$side/charon.vici" ] && break; sleep 0.1; done
  swanctl --load-all --uri "unix://$TMP/$side/charon.vici" --file "$TMP/$side/swanctl.conf" >/dev/null
done

ip netns exec "$NSB" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
  --user=root --pid-file= --log-facility=- \
  --interface=lo --bind-interfaces --listen-address=192.168.53.2 \
  --local=/ipsec.test/ --host-record=intranet.ipsec.test,192.168.53.80 \
  >"$TMP/dnsmasq.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
  ip netns exec "$NSB" ss -lnu | grep -q '192.168.53.2:53 ' && break
  sleep 0.1
done

# --- capture ------------------------------------------------------------------------------------------
ip netns exec "$NSA" tcpdump -i a0 --immediate-mode -U -Z root -w "$TMP/ipsec.pcap" udp >"$TMP/tcpdump.log" 2>&1 &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done

swanctl --initiate --uri "unix://$TMP/a/charon.vici" --child net >/dev/null
ip netns exec "$NSA" ping -c 2 -i 0.2 -I 192.168.53.1 192.168.53.2 >/dev/null
ip netns exec "$NSA" dig +tries=1 +time=2 +noedns -b 192.168.53.1 @192.168.53.2 intranet.ipsec.test A >/dev/null
sleep 1.5   # NAT keepalives
swanctl --terminate --uri "unix://$TMP/a/charon.vici" --ike tunnel >/dev/null

sleep 0.5
kill -INT "$CAP"
wait "$CAP" 2>/dev/null || true
cp "$TMP/ipsec.pcap" ipsec.pcap
echo "wrote samples/ipsec.pcap"
