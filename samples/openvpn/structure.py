#!/usr/bin/env python3
"""Print the structure of a sample capture, to check that re-made captures match.

    samples/openvpn/structure.py CAPTURE.pcap [...]

Reads the pcap directly (no tshark). Per capture it prints two kinds of lines:

  same:  lines that must be identical between two runs of make.sh for a variant:
         for each direction, the ordered control-channel messages other than
         bare ACKs (opcode/key id), and the data opcodes and key ids seen
         (static-key mode has neither: no opcodes on the wire).
  info:  lines that may differ between runs (bare-ACK count, data packet count,
         frame count), because they depend on timing: whether an ACK travels
         alone or piggybacks on a control packet, how TCP inside the tunnel
         acknowledges the HTTP exchange.
"""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("tshark_report", os.path.join(HERE, "tshark-report.py"))
tr = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tr)

SHORT = {1: "HRC1", 2: "HRS1", 3: "SOFT", 4: "CTRL", 5: "ACK", 6: "DATA1", 7: "HRC2",
         8: "HRS2", 9: "DATA2", 10: "HRC3", 11: "WKC"}


def structure(path, variants):
    name = os.path.basename(path)[:-5]
    proto, port, wrap = variants[name]
    frames = tr.read_pcap(path)
    recs = tr.truth_records(frames, proto, port)
    dirs = {}
    for n, fr in frames:
        p = tr.l4(fr)
        if not p:
            continue
        d = "c2s" if p[3] == port else "s2c"
        e = dirs.setdefault(d, dict(ctl=[], acks=0, data=set(), ndata=0, segs=0))
        e["segs"] += 1
        for r in recs.get(n, []):
            if wrap == "static":
                e["ndata"] += 1
                continue
            op, key = r[0] >> 3, r[0] & 7
            if op in tr.DATA_OPS:
                e["data"].add(f"{SHORT[op]}/k{key}")
                e["ndata"] += 1
            elif op == 5:
                e["acks"] += 1
            else:
                e["ctl"].append(f"{SHORT[op]}/k{key}")
    out = []
    for d in ("c2s", "s2c"):
        e = dirs.get(d, dict(ctl=[], acks=0, data=set(), ndata=0, segs=0))
        out.append(f"same {name} {d} control: {' '.join(e['ctl']) or '-'}")
        out.append(f"same {name} {d} data: {' '.join(sorted(e['data'])) or '-'}")
        out.append(f"info {name} {d} bare-acks={e['acks']} data-packets={e['ndata']} frames={e['segs']}")
    return out


def main():
    variants = tr.load_variants()
    for p in sys.argv[1:]:
        print("\n".join(structure(p, variants)))


if __name__ == "__main__":
    main()
