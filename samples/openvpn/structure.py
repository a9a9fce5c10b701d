#!/usr/bin/env python3
"""Print the structure of a sample capture, to check that re-made captures match.

    samples/openvpn/structure.py CAPTURE.pcap [...]

Reads the pcap directly (no tshark). Per capture it prints two kinds of lines:

  same:  lines that must be identical between two runs of make.sh for a variant:
         for each direction, the ordered control-channel messages other than
         bare ACKs (opcode/key id; a run of P_CONTROL_V1 counts as one), the
         data opcodes and key ids seen, and whether a control packet follows
         the last data packet (the exit notification). Static-key mode has no
         opcodes on the wire, so only the last line applies to it.
  info:  lines that may differ between runs (control, bare-ACK, data packet
         and frame counts), because they depend on timing: whether an ACK
         travels alone or piggybacks, whether the client repeats its
         PUSH_REQUEST, how TCP inside the tunnel acknowledges the HTTP exchange.
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


def collapse(msgs):
    """Runs of P_CONTROL_V1 become one "CTRL/kN+": how many control packets a
    TLS flight takes, and whether a PUSH_REQUEST is repeated, depends on timing."""
    out = []
    for m in msgs:
        if m.startswith("CTRL/") and out and out[-1] == m + "+":
            continue
        out.append(m + "+" if m.startswith("CTRL/") else m)
    return " ".join(out)


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
        e = dirs.setdefault(d, dict(ctl=[], acks=0, data=set(), ndata=0, segs=0, last=None))
        e["segs"] += 1
        for r in recs.get(n, []):
            if wrap == "static":
                e["ndata"] += 1
                e["last"] = "data"
                continue
            op, key = r[0] >> 3, r[0] & 7
            if op in tr.DATA_OPS:
                e["data"].add(f"{SHORT[op]}/k{key}")
                e["ndata"] += 1
                e["last"] = "data"
            elif op == 5:
                e["acks"] += 1
            else:
                e["ctl"].append(f"{SHORT[op]}/k{key}")
                e["last"] = "ctl"
    out = []
    for d in ("c2s", "s2c"):
        e = dirs.get(d, dict(ctl=[], acks=0, data=set(), ndata=0, segs=0, last=None))
        out.append(f"same {name} {d} control: {collapse(e['ctl']) or '-'}")
        out.append(f"same {name} {d} data: {' '.join(sorted(e['data'])) or '-'}")
        out.append(f"same {name} {d} control after the last data packet: "
                   f"{'yes' if e['last'] == 'ctl' else 'no'}")
        out.append(f"info {name} {d} control={len(e['ctl'])} bare-acks={e['acks']} "
                   f"data-packets={e['ndata']} frames={e['segs']}")
    return out


def main():
    variants = tr.load_variants()
    for p in sys.argv[1:]:
        print("\n".join(structure(p, variants)))


if __name__ == "__main__":
    main()
