/**
 * Display filters (-Y) over the sample captures.
 *
 * Every row of `verified` was run through tshark 4.0.17 when it was written —
 * `tshark -r samples/F -Y 'FILTER' -T fields -e frame.number` — and the frame list tshark printed is
 * written out here. Each row runs twice: over the whole tree, and over the partial tree the filter
 * asks the engine for (only its own fields and their protocols built), which must not change a result.
 *
 * What the rows pin down (Wireshark 4 semantics, checked against tshark rather than assumed):
 * - a field that occurs several times matches `==` if any occurrence does (dns.a, dns.resp.type,
 *   ip.addr, openvpn.mpidarrayelement);
 * - `!=` is all_ne: the field is there and no occurrence equals (so `ip.addr != 10.53.0.1` matches
 *   nothing: every IPv4 packet has 10.53.0.1 as one of its addresses); `~=` is any_ne: some
 *   occurrence differs; `!(a == b)` also matches packets without the field, `a != b` does not
 *   (dns.flags.rcode != 0 on queries, which carry no rcode);
 * - `matches` is case-insensitive unless the pattern starts with (?-i); `contains` is not;
 * - sets take ranges ({15..33}, {200..299}) and `not in`; CIDR works in == and in sets;
 * - slices work on bytes, strings, addresses and protocols; a slice past the end is an empty
 *   value (`uri[20:2] != "xx"` holds), a bare slice tests for bytes; [0:2,4] concatenates;
 * - byte literals: aa:bb, aa-bb, aabb.ccdd.eeff, an even run of hex digits, one byte as "12" or "0x53";
 * - a protocol compares by its own bytes, but `contains` searches its payload too (tcp contains "GET");
 * - `and` binds tighter than `or`; unsigned 64-bit fields compare exactly (openvpn.sessionid).
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, samplesDir } from './util.js';
import { Session } from '../src/engine/session.js';
import { openCapture } from '../src/capture/open.js';
import { compileFilter, FilterError, wantedFields } from '../src/filter/index.js';
import { fields } from '../src/engine/fields.js';
import { prepare, type RunOptions } from '../src/cli/run.js';
import { CliError } from '../src/cli/errors.js';

/** tshark decodes tls-auth only when told: these rows were checked with these options. */
const TLS_AUTH = '-o openvpn.tls_auth:TRUE -o openvpn.tls_auth_hmac_size:32';

type Row = [file: string, filter: string, frames: number[], tsharkOptions?: string];

const verified: Row[] = [
  ["dns.pcap", "dns", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 24, 26, 33, 34]],
  ["dns.pcap", "tcp.flags.syn", [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]],
  ["dns.pcap", "tcp.flags.syn == 1 && tcp.flags.ack == 0", [21]],
  ["dns.pcap", "arp || icmpv6", [1, 2, 31, 32]],
  ["dns.pcap", "not udp and not arp", [21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32]],
  ["dns.pcap", "frame.len ge 110 and frame.len le 120", [14, 16, 19, 24, 33]],
  ["dns.pcap", "udp.port == 0x35 && ip.src == 10.53.0.2", [3, 5, 7, 9, 11, 13, 15, 17, 19]],
  ["dns.pcap", "udp.srcport == 065", [4, 6, 8, 10, 12, 14, 16, 18, 20, 34]],
  ["dns.pcap", "dns.qry.name == \"host.vpnscope.test\"", [3, 4, 5, 6]],
  ["dns.pcap", "dns.qry.name contains \"scope\" && dns.flags.response == 0", [3, 5, 7, 9, 11, 13, 17, 19, 24, 33]],
  ["dns.pcap", "dns.qry.name matches \"^WWW\"", [11, 12, 24, 26]],
  ["dns.pcap", "dns.qry.name matches \"(?-i)^WWW\"", []],
  ["dns.pcap", "dns.qry.type in {1, 28}", [3, 4, 5, 6, 17, 18, 19, 20, 24, 26, 33, 34]],
  ["dns.pcap", "dns.qry.type in {15..33}", [5, 6, 7, 8, 9, 10, 13, 14, 33, 34]],
  ["dns.pcap", "dns.a == 10.53.0.25", [8]],
  ["dns.pcap", "dns.a == 10.53.0.0/24", [4, 8, 20, 26]],
  ["dns.pcap", "dns.resp.type == 1", [4, 8, 20, 26]],
  ["dns.pcap", "dns.resp.type != 1", [6, 10, 12, 14, 16, 19, 24, 33, 34]],
  ["dns.pcap", "dns.resp.type ~= 1", [6, 8, 10, 12, 14, 16, 19, 20, 24, 26, 33, 34]],
  ["dns.pcap", "!(dns.resp.type == 1)", [1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24, 25, 27, 28, 29, 30, 31, 32, 33, 34]],
  ["dns.pcap", "dns.resp.type not in {1, 5}", [1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24, 25, 27, 28, 29, 30, 31, 32, 33, 34]],
  ["dns.pcap", "dns.flags.rcode != 0", [18]],
  ["dns.pcap", "dns.flags.response == True", [4, 6, 8, 10, 12, 14, 16, 18, 20, 26, 34]],
  ["dns.pcap", "ip.addr == 10.53.0.0/30", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]],
  ["dns.pcap", "ip.src == 10.53.0.2/31", [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 24, 27, 28, 30]],
  ["dns.pcap", "ip.addr != 10.53.0.1", []],
  ["dns.pcap", "ipv6.addr == fd53::1", [32, 33, 34]],
  ["dns.pcap", "ipv6.dst == ff02::/16", [31]],
  ["dns.pcap", "ipv6.addr != fd53::1", [31]],
  ["dns.pcap", "eth.src == 02:53:00:00:00:02 && !ip", [1, 31, 33]],
  ["dns.pcap", "eth.dst == ff-ff-ff-ff-ff-ff", [1]],
  ["dns.pcap", "eth.addr != 02:53:00:00:00:01", [1, 31]],
  ["dns.pcap", "eth.addr ~= 02:53:00:00:00:01 && !ip", [1, 2, 31, 32, 33, 34]],
  ["dns.pcap", "eth.src[0:3] == 02:53:00 && eth.src[-1] == 01 && !ip", [2, 32, 34]],
  ["dns.pcap", "eth.dst[0:2] == 33:33", [31]],
  ["dns.pcap", "frame[-2:] == 00:01", [1, 3, 5, 7, 9, 11, 13, 15, 17, 18, 32]],
  ["dns.pcap", "eth.src[6:] != 01 && arp", [1, 2]],
  ["dns.pcap", "tcp.port != 53", []],
  ["dns.pcap", "tcp.port ~= 53 && tcp.flags.fin == 1", [28, 29]],
  ["dns.pcap", "tcp.srcport > tcp.dstport", [21, 23, 24, 27, 28, 30]],
  ["dns.pcap", "ip.src != ip.dst && tcp.flags.fin == 1", [28, 29]],
  ["dns.pcap", "ip.addr != ip.dst", []],
  ["dns.pcap", "tcp.flags.syn == tcp.flags.ack", [22]],
  ["dns.pcap", "frame.len > tcp.srcport", [22, 25, 26, 29]],
  ["dns.pcap", "udp contains \"vpnscope\" && ipv6", [33, 34]],
  ["dns.pcap", "dns[0:2] == 49:2e", [3, 4]],
  ["dns.pcap", "len(dns.qry.name) > 20", [13, 14, 15, 16, 17, 18]],
  ["dns.pcap", "count(dns.resp.type) >= 3", [26]],
  ["dns.pcap", "dns.time > 0.0005", [6, 16]],
  ["dns.pcap", "tcp.flags.syn == \"Set\"", [21, 22]],
  ["dns.pcap", "dns.mx.mail_exchange == \"mail.vpnscope.test\"", [8]],
  ["dns.pcap", "dns.srv.port == 5060", [14]],
  ["dns.pcap", "dns.aaaa == fd53::10", [6]],
  ["dns.pcap", "dns.opt && dns.flags.response == 1", []],
  ["http.pcap", "http.request.method == \"POST\"", [16, 26]],
  ["http.pcap", "http.request.method != \"GET\"", [16, 26]],
  ["http.pcap", "http.response.code in {200..299} && ipv6", [303]],
  ["http.pcap", "http.response.code >= 201", [28, 291]],
  ["http.pcap", "http.request.uri matches \"\\\\.(css|TXT)$\"", [40, 42, 66, 301]],
  ["http.pcap", "http.request.uri contains \"html\"", [6, 36, 289, 311]],
  ["http.pcap", "http.content_type contains \"json\"", [18, 26, 28]],
  ["http.pcap", "http.host == \"10.53.0.1:8080\"", [311]],
  ["http.pcap", "tcp.port in {8000..8080} && tcp.len > 0", [311, 313]],
  ["http.pcap", "http.request.uri[-4:] == \".txt\"", [42, 66, 301]],
  ["http.pcap", "http.request.uri[0:2,4] == \"/b.\"", [66]],
  ["http.pcap", "http.request.uri[20:2] != \"xx\"", [6, 16, 26, 36, 40, 42, 50, 66, 289, 301, 311]],
  ["http.pcap", "http.request.uri[8:]", [6, 26, 36, 40, 42, 289, 301, 311]],
  ["http.pcap", "http.request.method[0:2] == 50:4f", [16, 26]],
  ["http.pcap", "tcp contains \"GET\"", [6, 36, 40, 42, 50, 66, 289, 301, 311]],
  ["http.pcap", "tcp[13] == 12", [4, 14, 24, 34, 48, 64, 287, 299, 309]],
  ["http.pcap", "eth.src[1] == 0x53 && tcp.flags.syn == 1", [3, 4, 13, 14, 23, 24, 33, 34, 47, 48, 63, 64, 286, 287, 298, 299, 308, 309]],
  ["http.pcap", "tcp.payload[0:4] == 504f5354", [16, 26]],
  ["http.pcap", "tcp.srcport == 8080 || tcp.srcport == 80 && http.response.code == 404", [291, 309, 312, 313, 316]],
  ["http.pcap", "(tcp.srcport == 8080 || tcp.srcport == 80) && http.response.code == 404", [291]],
  ["http.pcap", "ipv6 && http", [301, 303]],
  ["http.pcap", "frame.number in {1..3, 300}", [1, 2, 3, 300]],
  ["http.pcap", "http.time > 0.01", [8, 41, 58, 303]],
  ["tls12.pcap", "tls.handshake.type == 1", [6]],
  ["tls12.pcap", "tls.handshake.type in {2, 11, 12}", [8]],
  ["tls12.pcap", "tls.handshake.extensions_server_name == \"vpnscope.test\"", [6]],
  ["tls12.pcap", "tls.record.content_type != 22", [12, 13, 15, 17]],
  ["tls12.pcap", "tls.record.content_type ~= 22", [10, 11, 12, 13, 15, 17]],
  ["tls12.pcap", "tls.handshake.ciphersuite == 0xc02c", [6, 8]],
  ["tls12.pcap", "tls.alert_message", [15, 17]],
  ["tls12.pcap", "count(tls.record) > 1", [8, 10, 11]],
  ["tls13.pcap", "tls.handshake.extensions.supported_version == 0x0304", [6, 8]],
  ["tls13.pcap", "tls.record.opaque_type == 23", [8, 10, 11, 12, 13, 15, 17, 19]],
  ["tls13.pcap", "tls.handshake.extensions_key_share_group == 29", [6, 8]],
  ["openvpn/udp-tls.pcap", "openvpn.opcode == 4", [3, 4, 5, 7, 8, 9, 10, 13, 33]],
  ["openvpn/udp-tls.pcap", "openvpn.opcode in {7, 8}", [1, 2]],
  ["openvpn/udp-tls.pcap", "openvpn.opcode == 9 && ip.src == 10.94.0.2", [15, 17, 19, 21, 23, 24, 28, 30, 31]],
  ["openvpn/udp-tls.pcap", "openvpn.mpidarrayelement == 0", [2, 3, 6, 7, 8, 11]],
  ["openvpn/udp-tls.pcap", "openvpn.mpidarrayelement != 1", [2, 3, 14, 33]],
  ["openvpn/udp-tls.pcap", "openvpn.mpidarrayelement ~= 1", [2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 33, 34]],
  ["openvpn/udp-tls.pcap", "openvpn.mpidarraylength >= 3", [7, 8, 10, 11, 12, 13, 14, 33, 34]],
  ["openvpn/udp-tls.pcap", "openvpn && tls", [3, 4, 5, 7, 8, 9, 10, 13, 33]],
  ["openvpn/udp-tls.pcap", "openvpn.opcode == 4 && !tls", []],
  ["openvpn/tcp-tls.pcap", "openvpn.plen > 1000", [9, 12]],
  ["openvpn/tcp-tls.pcap", "openvpn.opcode == 5", [10, 16, 18, 21]],
  ["openvpn/tcp-tls.pcap", "tls.handshake.type == 2", [9]],
  ["openvpn/tls-auth-sha256.pcap", "openvpn.pid == 1", [1, 2], TLS_AUTH],
  ["openvpn/tls-auth-sha256.pcap", "openvpn.mpidarrayelement == 0", [2, 3, 5, 7, 8, 10, 12, 14], TLS_AUTH],
  ["openvpn/udp-tls.pcap", "openvpn.sessionid == 14035667872310460440", [2, 4, 5, 9, 10, 13, 34]],
  ["openvpn/udp-tls.pcap", "openvpn.sessionid == 14035667872310460441", []],
  ["openvpn/udp-tls.pcap", "openvpn.sessionid == 0xc2c8b590d26d8018", [2, 4, 5, 9, 10, 13, 34]],
  ["openvpn/udp-tls.pcap", "openvpn.rsessionid > 10000000000000000000", [3, 6, 7, 8, 11, 12, 14, 33]],
  ["openvpn/udp-tls.pcap", "tls.handshake.type == 1 && openvpn.opcode == 4", [3]],
  ["openvpn/udp-tls.pcap", "tls.record.content_type == 20", [4, 7]],
  ["dns.pcap", "dns.qry.name contains \"host\" && !(dns.qry.name contains \"www\")", [3, 4, 5, 6]],
  ["dns.pcap", "dns.count.answers == 0 && dns.flags.response == 1", [18]],
  ["openvpn/tls-auth-sha256.pcap", "openvpn.hmac && openvpn.opcode == 5", [5, 10, 12, 14, 35], TLS_AUTH],
  // Rows from the first version of this table (same method: tshark 4.0 -Y frame lists).
  ["dns.pcap", "!dns", [1, 2, 21, 22, 23, 25, 27, 28, 29, 30, 31, 32]],
  ["dns.pcap", "udp.port == 53", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 33, 34]],
  ["dns.pcap", "tcp.port == 53", [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]],
  ["dns.pcap", "ip.addr == 10.53.0.1", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]],
  ["dns.pcap", "ip.src == 10.53.0.2 && udp", [3, 5, 7, 9, 11, 13, 15, 17, 19]],
  ["dns.pcap", "ip.addr == 10.53.0.0/24", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]],
  ["dns.pcap", "ipv6", [31, 32, 33, 34]],
  ["dns.pcap", "arp", [1, 2]],
  ["dns.pcap", "arp.opcode == 2", [2]],
  ["dns.pcap", "dns.qry.type == 28", [5, 6, 33, 34]],
  ["dns.pcap", "dns.qry.type in {15, 16, 33}", [7, 8, 9, 10, 13, 14]],
  ["dns.pcap", "dns.flags.response == 1", [4, 6, 8, 10, 12, 14, 16, 18, 20, 26, 34]],
  ["dns.pcap", "dns.flags.response == 0 && udp", [3, 5, 7, 9, 11, 13, 15, 17, 19, 33]],
  ["dns.pcap", "dns.flags.rcode == 3", [18]],
  ["dns.pcap", "dns.qry.name contains \"vpnscope\"", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18, 19, 20, 24, 26, 33, 34]],
  ["dns.pcap", "dns.qry.name matches \"^HOST\\\\.\"", [3, 4, 5, 6]],
  ["dns.pcap", "dns.qry.name == \"www.vpnscope.test\"", [11, 12, 24, 26]],
  ["dns.pcap", "dns.a == 10.53.0.10", [4, 26]],
  ["dns.pcap", "dns.cname", [12, 26]],
  ["dns.pcap", "dns.count.answers > 1", [26]],
  ["dns.pcap", "dns.count.answers >= 1 and dns.count.answers < 2", [4, 6, 8, 10, 12, 14, 16, 20, 34]],
  ["dns.pcap", "udp.srcport in {40001..40004}", [3, 5, 7, 9]],
  ["dns.pcap", "eth.src[0:3] == 02:53:00", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34]],
  ["dns.pcap", "eth.addr == ff:ff:ff:ff:ff:ff", [1]],
  ["dns.pcap", "tcp.flags.syn == 1", [21, 22]],
  ["dns.pcap", "tcp.flags.fin", [21, 22, 23, 24, 25, 26, 27, 28, 29, 30]],
  ["dns.pcap", "frame.len > 100", [6, 8, 10, 12, 14, 16, 19, 20, 24, 26, 33, 34]],
  ["dns.pcap", "not ip.addr == 10.53.0.1", [1, 2, 31, 32, 33, 34]],
  ["dns.pcap", "udp.port != 53", []],
  ["dns.pcap", "udp.port ~= 53", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 33, 34]],
  ["dns.pcap", "(dns.qry.type == 1 || dns.qry.type == 28) && dns.flags.response == 1", [4, 6, 18, 20, 26, 34]],
  ["http.pcap", "http.request", [6, 16, 26, 36, 40, 42, 50, 66, 289, 301, 311]],
  ["http.pcap", "http.response.code == 404", [291]],
  ["http.pcap", "http.response.code in {200, 201}", [8, 18, 28, 38, 41, 43, 58, 276, 303, 313]],
  ["http.pcap", "http.request.uri contains \"chunk\"", [50]],
  ["http.pcap", "http.host matches \"vpnscope\"", []],
  ["http.pcap", "tcp.dstport == 8080 && http", [311]],
  ["tls12.pcap", "tls.handshake.type == 11", [8]],
  ["tls12.pcap", "tls.record.content_type == 23", [12, 13]],
  ["tls13.pcap", "tls.handshake.type == 2", [8]],
  ["frag.pcap", "ip.flags.mf == 1", [3, 4, 6, 7, 9, 10, 12, 13]],
  ["frag.pcap", "icmp.type == 8", [5, 11]],
  ["frag.pcap", "ipv6.fragment", [19, 22, 25, 28]],
  ["openvpn/tls-auth-sha256.pcap", "openvpn.opcode in {4, 5}", [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 34, 35]],
  ["openvpn/udp-tls.pcap", "openvpn.mpidarraylength > 2", [7, 8, 10, 11, 12, 13, 14, 33, 34]],
  ["openvpn/udp-tls.pcap", "tls.handshake.type == 1", [3]],
  ["openvpn/tcp-tls.pcap", "openvpn.opcode == 9", [23, 25, 27, 28, 30, 31, 33, 34, 36, 38, 40, 42, 44, 46, 48]],
  ["vlan.pcap", "vlan.id == 100", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]],
  ["vlan.pcap", "ieee8021ad.id == 200 && icmp", [17, 18, 19, 20]],
  ["sll2.pcap", "sll.pkttype == 4", [2, 4, 6, 8, 10, 12, 14, 16, 18]],
  ["openvpn/tls-auth-sha256.pcap", "openvpn.opcode == 7", [1]],
];

/**
 * Filters tshark 4.0 does not parse — xor / ^^ (added in Wireshark 4.2), sets without commas
 * (the older syntax), lowercase booleans — each checked against tshark with an equivalent filter.
 */
const extensions: [file: string, filter: string, tsharkEquivalent: string, frames: number[]][] = [
  ['dns.pcap', 'tcp ^^ dns', '(tcp || dns) && !(tcp && dns)', [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 25, 27, 28, 29, 30, 33, 34]],
  ['dns.pcap', 'udp xor dns', '(udp || dns) && !(udp && dns)', [24, 26]],
  ['http.pcap', 'tcp.port in {80 443 8000..8080} && tcp.flags.syn == 1 && tcp.flags.ack == 0', 'tcp.port in {80, 443, 8000..8080} && …', [3, 13, 23, 33, 47, 63, 286, 298, 308]],
  ['dns.pcap', 'dns.flags.response == false and dns.qry.type in {1 28}', 'dns.flags.response == 0 && dns.qry.type in {1, 28}', [3, 5, 17, 19, 24, 33]],
  ['dns.pcap', 'ip.ttl == 64 xor udp', '(ip.ttl == 64 || udp) && !(ip.ttl == 64 && udp)', [21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 33, 34]],
  ['dns.pcap', 'dns.qry.type in {15 16 33}', 'dns.qry.type in {15, 16, 33}', [7, 8, 9, 10, 13, 14]],
  ['http.pcap', 'http.response.code in {200 201} and http.content_type contains "html"', 'http.response.code in {200, 201} and …', [8, 38, 313]],
];

async function matching(file: string, filter: string, partial: boolean): Promise<number[]> {
  const f = compileFilter(filter);
  const session = new Session({ buildTree: true, wantedFields: partial ? f.wantedFields : undefined });
  const out: number[] = [];
  await openCapture(path.join(samplesDir, file)).run((frame) => {
    if (f.matches(session.dissect(frame))) out.push(frame.number);
  });
  return out;
}

describe('display filters match what tshark -Y matched', () => {
  it('has the promised coverage', () => {
    expect(verified.length).toBeGreaterThanOrEqual(40);
  });
  for (const [file, filter, frames, tsharkOptions] of verified) {
    it(`${file}: ${filter}${tsharkOptions ? ` (tshark ${tsharkOptions})` : ''}`, async () => {
      expect(await matching(file, filter, false)).toEqual(frames);
      expect(await matching(file, filter, true)).toEqual(frames);
    });
  }
  for (const [file, filter, equivalent, frames] of extensions) {
    it(`${file}: ${filter} (tshark: ${equivalent})`, async () => {
      expect(await matching(file, filter, false)).toEqual(frames);
      expect(await matching(file, filter, true)).toEqual(frames);
    });
  }
});

/** The error a filter raises, with the text under its caret. */
function failure(filter: string): { message: string; marked: string } {
  try {
    compileFilter(filter);
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    return { message: e.message, marked: filter.slice(e.position, e.position + e.length) };
  }
  throw new Error(`"${filter}" compiled`);
}

describe('bad filters are rejected with the offending position', () => {
  it('suggests the nearest field for a typo', () => {
    expect(failure('dns.qyr.name == "x"')).toEqual({ message: "unknown field 'dns.qyr.name' — did you mean dns.qry.name?", marked: 'dns.qyr.name' });
    expect(failure('udp && tcp.flgs.syn')).toEqual({ message: "unknown field 'tcp.flgs.syn' — did you mean tcp.flags.syn?", marked: 'tcp.flgs.syn' });
  });
  it('reads literals for the field they meet', () => {
    expect(failure('ip.addr == 10.53.0.300').marked).toBe('10.53.0.300');
    expect(failure('eth.src == 02:53:00').message).toMatch(/not a MAC address/);
    expect(failure('tcp.port == "http"').message).toMatch(/not a number for tcp.port/);
    expect(failure('ipv6.addr == fd53::/129').marked).toBe('fd53::/129');
    // tshark 4.0 takes 0x.. only for a single byte: "0x8012" is no byte string.
    expect(failure('tcp[12:2] == 0x8012').marked).toBe('0x8012');
  });
  it('refuses to compare fields of different types', () => {
    expect(failure('ip.src == tcp.port')).toEqual({ message: 'ip.src and tcp.port are not of compatible types', marked: 'tcp.port' });
    expect(failure('eth.src == ip.src').marked).toBe('ip.src');
  });
  it('refuses to slice what is not bytes, and to compare a label', () => {
    expect(failure('tcp.port[0] == 00')).toEqual({ message: '"tcp.port" is an unsigned integer and cannot be sliced into bytes', marked: 'tcp.port' });
    expect(failure('dns.flags.response[0] == 01').message).toMatch(/is a boolean and cannot be sliced/);
    expect(failure('tls.record == 16').message).toMatch(/label with no value/);
  });
  it('points at the position tshark would', () => {
    const cases: [string, RegExp, number][] = [
      ['dns.qyr.name == "x"', /unknown field 'dns.qyr.name' — did you mean dns.qry.name\?/, 0],
      ['ip.src = 10.0.0.1', /"=" is not an operator/, 7],
      ['dns.qry.name == "abc', /unterminated string/, 16],
      // As in Wireshark, a regular expression's "\." must be written "\\." inside the quotes.
      ['dns.qry.name matches "a\\.b"', /not a valid escape/, 23],
      ['ip.addr == 10.0.0.300', /is not an IPv4 address/, 11],
      ['ip.ttl == 64 and', /ends where a field name was expected/, 16],
      ['(ip.ttl == 64', /expected "\)"/, 13],
      ['tcp.port in {}', /empty set/, 14],
    ];
    for (const [text, message, position] of cases) {
      let err: unknown;
      try {
        compileFilter(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(FilterError);
      expect((err as FilterError).message, text).toMatch(message);
      expect((err as FilterError).position, text).toBe(position);
    }
  });
  it('points at syntax errors', () => {
    expect(failure('tcp.port = 53')).toEqual({ message: '"=" is not an operator; use "==" to compare', marked: '=' });
    expect(failure('(tcp.port == 53').message).toBe('expected ")" at the end');
    expect(failure('tcp.port == 53 &&').message).toBe('the filter ends where a field name was expected');
    expect(failure('dns.qry.name matches "("').message).toMatch(/^bad regular expression/);
    expect(failure('http.request.uri[1:x] == "a"').marked).toBe('1:x');
  });
});

describe('partial trees', () => {
  it('build a filter\'s fields and their protocols only', () => {
    const f = compileFilter('dns.qry.name contains "example" && ip.ttl > 1');
    const wanted = f.wantedFields!;
    const on = (abbrev: string) => wanted[fields.get(abbrev)!.id] === 1;
    expect(['dns.qry.name', 'dns', 'ip.ttl', 'ip'].every(on)).toBe(true);
    expect(['tcp', 'udp', 'eth', 'http', 'dns.a'].some(on)).toBe(false);
  });
  it('fall back to the whole tree where one is needed', () => {
    // A protocol's payload extends into the layers after it; expert infos hang from every layer.
    expect(compileFilter('udp contains "x"').wantedFields).toBeUndefined();
    expect(wantedFields([fields.get('_ws.expert')!.id])).toBeUndefined();
  });
});

const baseOptions: RunOptions = {
  file: '', format: 'text', verbose: false, hex: false, fields: [], fieldOptions: [], stats: [], quiet: false,
  prefs: {}, decodeAs: [], explain: false, color: false,
};

describe('the command line', () => {
  it('rejects a bad filter before reading any packet, with exit status 4', () => {
    let err: unknown;
    try {
      prepare({ ...baseOptions, file: '/nonexistent.pcap', filter: 'ip.addr == 10.0.0.0/33' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).code).toBe(4);
    expect((err as CliError).message).toBe(
      'invalid display filter: "10.0.0.0/33" is not an IPv4 address (or CIDR like 10.0.0.0/8) for ip.addr\n    ip.addr == 10.0.0.0/33\n               ^^^^^^^^^^^',
    );
  });

  it('builds a partial tree for a filter or -T fields, the whole tree for -V and JSON', () => {
    const partial = prepare({ ...baseOptions, filter: 'dns' }).session;
    expect(partial.buildTree).toBe(true);
    expect(partial.wantedFields).toBeDefined();
    expect(prepare({ ...baseOptions, format: 'fields', fields: ['dns.a'] }).session.wantedFields).toBeDefined();
    expect(prepare({ ...baseOptions, filter: 'dns', verbose: true }).session.wantedFields).toBeUndefined();
    expect(prepare({ ...baseOptions, filter: 'dns', format: 'json' }).session.wantedFields).toBeUndefined();
    expect(prepare({ ...baseOptions }).session.buildTree).toBe(false);
  });

  // The built program (npm test compiles first), as the user runs it.
  const bin = path.join(repoRoot, 'bin', 'vpnscope.js');
  const dns = path.join(samplesDir, 'dns.pcap');
  const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args, dns], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const filter = ['-Y', 'dns.a == 10.53.0.25'];

  it('applies the filter to every output', () => {
    expect(run(filter).stdout).toMatch(/^ {4}8 .*MX 10 mail\.vpnscope\.test A 10\.53\.0\.25\n$/);
    expect(run([...filter, '-T', 'fields', '-e', 'frame.number', '-e', 'dns.a', '-e', 'dns.qry.name']).stdout).toBe('8\t10.53.0.25\tvpnscope.test\n');
    const json = JSON.parse(run([...filter, '-T', 'json']).stdout) as { _source: { layers: { frame: Record<string, string> } } }[];
    expect(json.map((p) => p._source.layers.frame['frame.number'])).toEqual(['8']);
    expect(run([...filter, '-T', 'ndjson']).stdout.trimEnd().split('\n')).toHaveLength(1);
    const tree = run([...filter, '-V']).stdout;
    expect(tree).toMatch(/^Frame 8: 123 bytes on wire/);
    expect(tree.match(/^Frame /gm)).toHaveLength(1);
    expect(run([...filter, '-x']).stdout.split('\n')[1]).toBe('0000  02 53 00 00 00 02 02 53 00 00 00 01 08 00 45 00   .S.....S......E.');
  });

  it('feeds statistics only the packets that pass it', () => {
    const r = run(['-q', '-Y', 'dns.flags.response == 1 && udp', '-z', 'io,phs', '-T', 'json']);
    type Level = { protocol: string; frames: number; bytes: number; children?: Level[] };
    const phs = JSON.parse(r.stdout) as { statistic: string; result: Level[] };
    expect(phs.statistic).toBe('io,phs');
    // tshark applies -Y to printing only; its own way to filter a statistic is an argument:
    // tshark -r dns.pcap -q -z 'io,phs,dns.flags.response == 1 && udp' → eth 10/1130, ip 9/991, ipv6 1/139.
    const eth = phs.result[0]!;
    expect(eth).toMatchObject({ protocol: 'eth', frames: 10, bytes: 1130 });
    expect(eth.children!.map((c) => [c.protocol, c.frames, c.bytes])).toEqual([['ip', 9, 991], ['ipv6', 1, 139]]);
  });
});
