#!/usr/bin/env python3
"""Compare tshark's default OpenVPN decode of the sample captures with the truth.

    samples/openvpn/tshark-report.py [-o PREF:VALUE ...] [CAPTURE.pcap ...]
        (default: every *.pcap here; -o is passed on to tshark, to see what a
        preference such as openvpn.tls_auth_hmac_size:32 changes)

The truth is read straight from the pcap (Ethernet / IPv4 / UDP or TCP, with
OpenVPN's 2-byte length framing reassembled on TCP) using what we know about
how each sample was made (variants.tsv: transport, port, control-channel
wrapping). For every capture it prints the frames where tshark, with default
settings:

  * does not decode OpenVPN at all (not on its default port 1194),
  * shows a different opcode / key id / number of OpenVPN records than the packet has,
  * marks the frame [Malformed Packet],
  * shows the control-channel payload as TLS "Continuation Data", an unknown
    TLS record, or an empty TLS line,
  * reads a wrong ACK-array length or message packet-id (silently wrong decode),
  * reads fields out of ciphertext (tls-crypt / tls-crypt-v2 / static key, and
    the dynamic tls-crypt that wraps renegotiations, key id > 0).

Needs python3 (stdlib only) and tshark.
"""
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

OPNAMES = {
    1: "P_CONTROL_HARD_RESET_CLIENT_V1", 2: "P_CONTROL_HARD_RESET_SERVER_V1",
    3: "P_CONTROL_SOFT_RESET_V1", 4: "P_CONTROL_V1", 5: "P_ACK_V1", 6: "P_DATA_V1",
    7: "P_CONTROL_HARD_RESET_CLIENT_V2", 8: "P_CONTROL_HARD_RESET_SERVER_V2",
    9: "P_DATA_V2", 10: "P_CONTROL_HARD_RESET_CLIENT_V3", 11: "P_CONTROL_WKC_V1",
}
DATA_OPS = (6, 9)


def load_variants():
    v = {}
    with open(os.path.join(HERE, "variants.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, proto, port, wrap = line.split("\t")[:4]
            v[name] = (proto, int(port), wrap.strip())
    return v


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        raise SystemExit(f"{path}: not a libpcap file")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit(f"{path}: link type {linktype}, expected Ethernet (1)")
    off, n, frames = 24, 0, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        n += 1
        frames.append((n, data[off:off + incl]))
        off += incl
    return frames


def l4(frame):
    """(src, sport, dst, dport, proto, seq, payload) or None."""
    if len(frame) < 14 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    proto = ip[9]
    src, dst = ip[12:16], ip[16:20]
    seg = ip[ihl:total]
    if proto == 17:
        sp, dp = struct.unpack(">HH", seg[:4])
        return src, sp, dst, dp, "udp", None, seg[8:]
    if proto == 6:
        sp, dp, seq = struct.unpack(">HHI", seg[:8])
        doff = (seg[12] >> 4) * 4
        return src, sp, dst, dp, "tcp", seq, seg[doff:]
    return None


def truth_records(frames, proto, port):
    """{frame number: [record bytes, ...]} for OpenVPN records, attributed like
    tshark does to the frame that completes them."""
    out = {}
    if proto == "udp":
        for n, fr in frames:
            p = l4(fr)
            if p and p[4] == "udp" and port in (p[1], p[3]) and p[6]:
                out[n] = [p[6]]
        return out
    streams = {}  # direction -> [next expected seq, buffer]
    for n, fr in frames:
        p = l4(fr)
        if not p or p[4] != "tcp" or port not in (p[1], p[3]) or not p[6]:
            continue
        key = (p[0], p[1], p[2], p[3])
        st = streams.setdefault(key, [p[5], b""])
        seq, payload = p[5], p[6]
        if seq != st[0]:           # retransmission / out of order: skip what we have
            if (seq - st[0]) & 0xFFFFFFFF < 0x80000000:
                raise SystemExit("TCP gap in capture; cannot reassemble")
            skip = (st[0] - seq) & 0xFFFFFFFF
            if skip >= len(payload):
                continue
            payload = payload[skip:]
        st[0] = (st[0] + len(payload)) & 0xFFFFFFFF
        st[1] += payload
        while len(st[1]) >= 2:
            ln = struct.unpack(">H", st[1][:2])[0]
            if len(st[1]) < 2 + ln:
                break
            out.setdefault(n, []).append(st[1][2:2 + ln])
            st[1] = st[1][2 + ln:]
    return out


def parse_control(rec, wrap):
    """True (ack array length, message packet-id or None) of a control record,
    or None where it is not readable without keys."""
    op = rec[0] >> 3
    if wrap in ("tls-crypt", "tls-crypt-v2", "static"):
        return None
    if rec[0] & 7:
        # OpenVPN 2.6 peers wrap the control channel of every renegotiation
        # (key id > 0) in tls-crypt with a key derived from the previous TLS
        # session ("dynamic tls-crypt"), whatever --tls-auth/--tls-crypt say
        return None
    o = 1 + 8
    if wrap.startswith("hmac"):
        o += int(wrap[4:]) + 8          # HMAC, packet-id, net time
    nack = rec[o]
    o += 1 + 4 * nack
    if nack:
        o += 8                          # remote session id
    mpid = None if op == 5 else struct.unpack(">I", rec[o:o + 4])[0]
    return nack, mpid


TSHARK_OPTS = []


def tshark_fields(path, proto, port):
    cmd = ["tshark", "-r", path, *TSHARK_OPTS, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,",
           "-e", "frame.number", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info",
           "-e", "openvpn.opcode", "-e", "openvpn.keyid",
           "-e", "openvpn.mpidarraylength", "-e", "openvpn.mpid"]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    rows = {}
    for line in res.stdout.splitlines():
        f = line.split("\t")
        f += [""] * (7 - len(f))
        ints = lambda s: [int(x, 0) for x in s.split(",") if x]
        rows[int(f[0])] = dict(proto=f[1], info=f[2], op=ints(f[3]), key=ints(f[4]),
                               nack=ints(f[5]), mpid=ints(f[6]))
    return rows


def ranges(nums):
    nums = sorted(nums)
    out, i = [], 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ", ".join(out) if out else "none"


def report(path, variants):
    name = os.path.basename(path)[:-5]
    if name not in variants:
        return f"## {name}\n(unknown variant, not in variants.tsv)\n"
    proto, port, wrap = variants[name]
    frames = read_pcap(path)
    truth = truth_records(frames, proto, port)
    ts = tshark_fields(path, proto, port)

    not_ovpn, wrong_op, malformed, contin, unknown_rec, empty_tls = [], [], [], [], [], []
    wrong_fields, cipher_fields, missing_rec = [], [], []
    for n, recs in truth.items():
        row = ts.get(n)
        if row is None:
            continue
        if "Malformed" in row["info"]:
            malformed.append(n)
        if "Continuation Data" in row["info"]:
            contin.append(n)
        if "Ignored Unknown Record" in row["info"]:
            unknown_rec.append(n)
        if row["proto"].startswith("TLS") and not row["info"].strip():
            empty_tls.append(n)
        if not row["op"]:
            not_ovpn.append(n)
            continue
        if wrap == "static":
            # no opcode byte at all in static-key mode: any opcode shown is invented
            wrong_op.append(n)
            continue
        t_ops = [r[0] >> 3 for r in recs]
        t_keys = [r[0] & 7 for r in recs]
        if len(row["op"]) < len(t_ops):
            missing_rec.append(n)
        if row["op"] != t_ops[:len(row["op"])] or row["key"] != t_keys[:len(row["key"])]:
            wrong_op.append(n)
            continue
        ctl = [r for r in recs if (r[0] >> 3) not in DATA_OPS]
        if not ctl:
            continue
        parsed = [parse_control(r, wrap) for r in ctl]
        if any(p is None for p in parsed):
            if row["nack"] or row["mpid"]:
                cipher_fields.append(n)
            continue
        t_nack = [p[0] for p in parsed]
        t_mpid = [p[1] for p in parsed if p[1] is not None]
        if row["nack"] != t_nack or row["mpid"] != t_mpid:
            wrong_fields.append(n)

    total = len(frames)
    ov = sum(len(r) for r in truth.values())
    lines = [f"## {name}.pcap  ({proto}/{port}, control wrap: {wrap})",
             f"frames: {total}; OpenVPN records: {ov} in {len(truth)} frames"]
    def item(label, lst):
        if lst:
            lines.append(f"- {label}: {len(lst)} frames: {ranges(lst)}")
    item("not decoded as OpenVPN", not_ovpn)
    item("wrong opcode/key id (or opcode invented)", wrong_op)
    item("fewer OpenVPN records than present", missing_rec)
    item("[Malformed Packet]", malformed)
    item("TLS 'Continuation Data'", contin)
    item("TLS 'Ignored Unknown Record'", unknown_rec)
    item("TLS line with empty Info", empty_tls)
    item("silently wrong ACK count / message packet-id", wrong_fields)
    item("ACK/packet-id fields read out of ciphertext", cipher_fields)
    if len(lines) == 2:
        lines.append("- no problem found")
    return "\n".join(lines) + "\n"


def main():
    variants = load_variants()
    args = sys.argv[1:]
    while len(args) >= 2 and args[0] == "-o":
        TSHARK_OPTS.extend(args[:2])
        args = args[2:]
    paths = args or sorted(
        os.path.join(HERE, f) for f in os.listdir(HERE) if f.endswith(".pcap"))
    for p in paths:
        print(report(p, variants))


if __name__ == "__main__":
    main()
