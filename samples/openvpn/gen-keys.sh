#!/usr/bin/env bash
# Generate the test PKI and OpenVPN keys used by the sample captures.
#
#   samples/openvpn/gen-keys.sh           create whatever is missing in keys/
#   samples/openvpn/gen-keys.sh --force   throw keys/ away and create everything anew
#
# These are TEST keys only. They are kept in the repository on purpose: the
# captures were made with them, and decryption features need them.
# Regenerating them makes the existing captures undecryptable with keys/, so
# re-run make-all.sh afterwards.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
K="$HERE/keys"

if [[ "${1:-}" == "--force" ]]; then
  rm -rf "$K"
fi
mkdir -p "$K"
cd "$K"

DAYS=10950   # 30 years: the certificates must not expire under the captures' feet
CURVE=prime256v1

if [[ ! -f ca.crt ]]; then
  openssl ecparam -name "$CURVE" -genkey -noout -out ca.key
  openssl req -new -x509 -sha256 -key ca.key -days "$DAYS" -out ca.crt \
    -subj "/CN=vpnscope-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
  rm -f server.crt client.crt
fi

issue() { # name eku
  local name=$1 eku=$2
  [[ -f $name.crt ]] && return 0
  [[ -f $name.key ]] || openssl ecparam -name "$CURVE" -genkey -noout -out "$name.key"
  openssl req -new -sha256 -key "$name.key" -subj "/CN=vpnscope-$name" -out "$name.csr"
  cat > "$name.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyAgreement
extendedKeyUsage=$eku
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
  openssl x509 -req -sha256 -in "$name.csr" -CA ca.crt -CAkey ca.key \
    -set_serial "0x$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')" \
    -days "$DAYS" -extfile "$name.ext" -out "$name.crt"
  rm -f "$name.csr" "$name.ext"
}
issue server serverAuth
issue client clientAuth

[[ -f ta.key ]]         || openvpn --genkey tls-auth ta.key
[[ -f tc.key ]]         || openvpn --genkey tls-crypt tc.key
[[ -f static.key ]]     || openvpn --genkey secret static.key
if [[ ! -f tc2-server.key ]]; then
  openvpn --genkey tls-crypt-v2-server tc2-server.key
  rm -f tc2-client.key
fi
[[ -f tc2-client.key ]] || openvpn --tls-crypt-v2 tc2-server.key --genkey tls-crypt-v2-client tc2-client.key
# The userpass variant's --auth-user-pass file: a made-up test login, shown in the decrypted control channel.
[[ -f userpass.txt ]] || printf 'student\nvpnscope-demo\n' > userpass.txt

chmod 600 ./*.key
ls -l "$K"
