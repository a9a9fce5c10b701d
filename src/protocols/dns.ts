/**
 * DNS — RFC 1034/1035, with EDNS(0) (RFC 6891), DNSSEC records (RFC 4034, 5155), SRV (RFC 2782),
 * NAPTR (RFC 3403), CAA (RFC 8659), SVCB/HTTPS (RFC 9460), DNS over TCP (RFC 1035 4.2.2, RFC 7766),
 * multicast DNS (RFC 6762, port 5353) and LLMNR (RFC 4795, port 5355).
 *
 *   0                   1
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Transaction ID       |      over TCP the message is preceded by a 2-byte length
 *  +-+-------+-+-+-+-+-+-+-+-------+
 *  |R| Opcode|A|T|R|R|Z|A|C| RCODE |      QR AA TC RD RA Z AD CD
 *  +-+-------+-+-+-+-+-+-+-+-------+
 *  |  QDCOUNT  |  ANCOUNT  |  NSCOUNT  |  ARCOUNT  |   (16 bits each)
 *  +-----------------------------------------------+
 *  | Question:  QNAME  QTYPE(16)  QCLASS(16)        |  × QDCOUNT
 *  | Record:    NAME TYPE(16) CLASS(16) TTL(32)     |  × ANCOUNT + NSCOUNT + ARCOUNT
 *  |            RDLENGTH(16) RDATA(RDLENGTH bytes)  |
 *  +-----------------------------------------------+
 *
 * Names are length-prefixed labels ending in a zero byte; a byte 11xxxxxx starts a 14-bit pointer to
 * an earlier name in the message (RFC 1035 4.1.4). The decoder here follows pointers itself, because
 * the tree needs byte ranges and because hostile captures put pointers that loop or point forward:
 * loops end the name with "<Name contains a pointer that loops>", forward pointers are followed (as
 * tshark does) but flagged. The OPT pseudo-record (type 41) reuses CLASS as the UDP payload size and
 * TTL as extended RCODE, EDNS version and the DO flag.
 *
 * The Info column, value names and labels follow tshark 4.0 word for word, so captures read the
 * same in both tools.
 */
import { FT, field, type FieldDef } from '../engine/fields.js';
import { callDissector, protocol, table, type Protocol } from '../engine/dispatch.js';
import { type Buf, ReportedBoundsError } from '../engine/buf.js';
import type { Packet } from '../engine/packet.js';
import { type Node, Severity } from '../engine/tree.js';
import { dissectPdus, isStreamData, NEED_MORE, TCP_PDUS } from '../engine/stream.js';
import { ipv4ToString, ipv6ToString } from '../engine/format.js';
import { preference } from '../engine/prefs.js';

const retransmissionPref = preference('dns.retransmission_timer', 'number', 'Seconds within which a repeated query is a retransmission (5 by default, as in Wireshark).');

// ---------------------------------------------------------------------------------------------
// Value names

/** [type, mnemonic, description]: the mnemonic goes in Info and labels, "A (Host Address)" in the Type line. */
const TYPE_TABLE: [number, string, string][] = [
  [0, 'Unused', ''], [1, 'A', 'Host Address'], [2, 'NS', 'authoritative Name Server'], [3, 'MD', 'Mail Destination'],
  [4, 'MF', 'Mail Forwarder'], [5, 'CNAME', 'Canonical NAME for an alias'], [6, 'SOA', 'Start Of a zone of Authority'],
  [7, 'MB', 'MailBox domain name'], [8, 'MG', 'Mail Group member'], [9, 'MR', 'Mail Rename domain'], [10, 'NULL', ''],
  [11, 'WKS', 'Well Known Service'], [12, 'PTR', 'domain name PoinTeR'], [13, 'HINFO', 'host information'],
  [14, 'MINFO', 'Mailbox or mail list information'], [15, 'MX', 'Mail eXchange'], [16, 'TXT', 'Text strings'],
  [17, 'RP', 'Responsible Person'], [18, 'AFSDB', 'AFS Data Base location'], [19, 'X25', 'XX.25 PSDN address'],
  [20, 'ISDN', 'ISDN address'], [21, 'RT', 'Route Through'], [22, 'NSAP', 'NSAP address'],
  [23, 'NSAP-PTR', 'NSAP domain name pointer'], [24, 'SIG', 'security signature'], [25, 'KEY', 'security key'],
  [26, 'PX', 'X.400 mail mapping information'], [27, 'GPOS', 'Geographical Position'], [28, 'AAAA', 'IPv6 Address'],
  [29, 'LOC', 'Location Information'], [30, 'NXT', 'Next Domain'], [31, 'EID', 'Endpoint Identifier'],
  [32, 'NIMLOC', 'Nimrod Locator'], [33, 'SRV', 'Server Selection'], [34, 'ATMA', 'ATM Address'],
  [35, 'NAPTR', 'Naming Authority Pointer'], [36, 'KX', 'Key Exchanger'], [37, 'CERT', ''], [38, 'A6', 'OBSOLETE - use AAAA'],
  [39, 'DNAME', ''], [40, 'SINK', ''], [41, 'OPT', ''], [42, 'APL', ''], [43, 'DS', 'Delegation Signer'],
  [44, 'SSHFP', 'SSH Key Fingerprint'], [45, 'IPSECKEY', ''], [46, 'RRSIG', 'Resource Record Signature'],
  [47, 'NSEC', 'Next Secure'], [48, 'DNSKEY', 'DNS Public Key'], [49, 'DHCID', ''], [50, 'NSEC3', ''], [51, 'NSEC3PARAM', ''],
  [52, 'TLSA', ''], [55, 'HIP', 'Host Identity Protocol'], [57, 'RKEY', ''], [58, 'TALINK', 'Trust Anchor LINK'],
  [59, 'CDS', 'Child DS'], [60, 'CDNSKEY', "DNSKEY(s) the Child wants reflected in DS"], [61, 'OPENPGPKEY', 'OpenPGP Key'],
  [62, 'CSYNC', 'Child-to-Parent Synchronization'], [63, 'ZONEMD', ''], [64, 'SVCB', 'General Purpose Service Endpoints'],
  [65, 'HTTPS', 'HTTPS Specific Service Endpoints'], [99, 'SPF', ''], [100, 'UINFO', ''], [101, 'UID', ''], [102, 'GID', ''],
  [103, 'UNSPEC', ''], [104, 'NID', 'NodeID'], [105, 'L32', 'Locator32'], [106, 'L64', 'Locator64'], [107, 'LP', 'Locator FQDN'],
  [108, 'EUI48', ''], [109, 'EUI64', ''], [249, 'TKEY', 'Transaction Key'], [250, 'TSIG', 'Transaction Signature'],
  [251, 'IXFR', 'incremental transfer'], [252, 'AXFR', 'transfer of an entire zone'], [253, 'MAILB', 'mailbox-related RRs'],
  [254, 'MAILA', 'mail agent RRs'], [255, 'ANY', ''], [256, 'URI', ''], [257, 'CAA', 'Certification Authority Restriction'],
  [32768, 'TA', 'DNSSEC Trust Authorities'], [32769, 'DLV', 'DNSSEC Lookaside Validation'], [65281, 'WINS', ''],
  [65282, 'WINS-R', ''], [65422, 'XPF', ''],
];
const typeShortNames = new Map<number, string>();
const typeLongNames = new Map<number, string>();
for (const [value, short, description] of TYPE_TABLE) {
  typeShortNames.set(value, short);
  typeLongNames.set(value, description ? `${short} (${description})` : short);
}
typeLongNames.set(10, 'NULL RR');
typeLongNames.set(255, '* (A request for all records the server/cache has available)');

/** The mnemonic used in Info and labels: "AAAA", or "Unknown (4660)". */
function typeShort(type: number): string {
  return typeShortNames.get(type) ?? `Unknown (${type})`;
}

const classNames: Record<number, string> = { 1: 'IN', 2: 'CS', 3: 'CH', 4: 'HS', 254: 'NONE', 255: 'ANY' };
const opcodeNames: Record<number, string> = {
  0: 'Standard query', 1: 'Inverse query', 2: 'Server status request', 4: 'Zone change notification',
  5: 'Dynamic update', 6: 'DNS Stateful operations (DSO)',
};
const rcodeNames: Record<number, string> = {
  0: 'No error', 1: 'Format error', 2: 'Server failure', 3: 'No such name', 4: 'Not implemented', 5: 'Refused',
  6: 'Name exists', 7: 'RRset exists', 8: 'RRset does not exist', 9: 'Not authoritative', 10: 'Name out of zone',
  11: 'DSO-Type not implemented', 16: 'Bad OPT Version or TSIG Signature Failure', 17: 'Key not recognized',
  18: 'Signature out of time window', 19: 'Bad TKEY Mode', 20: 'Duplicate key name', 21: 'Algorithm not supported',
  22: 'Bad Truncation', 23: 'Bad/missing Server Cookie',
};
const optionNames: Record<number, string> = {
  0: 'Reserved', 1: 'LLQ - Long-lived query', 2: 'UL - Update lease', 3: 'NSID - Name Server Identifier',
  4: 'Owner (reserved)', 5: 'DAU - DNSSEC Algorithm Understood (RFC6975)', 6: 'DHU - DS Hash Understood (RFC6975)',
  7: 'N3U - NSEC3 Hash Understood (RFC6975)', 8: 'CSUBNET - Client subnet', 9: 'EDNS EXPIRE (RFC7314)', 10: 'COOKIE',
  11: 'EDNS TCP Keepalive', 12: 'PADDING', 13: 'CHAIN', 15: 'Extended DNS Error', 20730: 'Experimental - CSUBNET - Client subnet',
};
const dnssecAlgorithms: Record<number, string> = {
  1: 'RSA/MD5', 2: 'Diffie-Hellman', 3: 'DSA', 4: 'Elliptic curve crypto', 5: 'RSA/SHA1', 6: 'DSA + NSEC3/SHA1',
  7: 'RSA/SHA1 + NSEC3/SHA1', 8: 'RSA/SHA-256', 10: 'RSA/SHA-512', 12: 'GOST R 34.10-2001',
  13: 'ECDSA Curve P-256 with SHA-256', 14: 'ECDSA Curve P-386 with SHA-386', 15: 'Ed25519', 16: 'Ed448',
  157: 'HMAC/MD5', 252: 'Indirect key', 253: 'Private, domain name', 254: 'Private, OID',
};
const dsDigestTypes: Record<number, string> = { 0: 'Reserved digest', 1: 'SHA-1', 2: 'SHA-256', 3: 'GOST R 34.11-94', 4: 'SHA-384' };
const svcParamKeys: Record<number, string> = {
  0: 'mandatory', 1: 'alpn', 2: 'no-default-alpn', 3: 'port', 4: 'ipv4hint', 5: 'echconfig', 6: 'ipv6hint',
  32769: 'odohconfig', 65535: 'key65535',
};
const TRUE_FALSE = ['True', 'False'] as const;

// ---------------------------------------------------------------------------------------------
// Fields

const flag = (abbrev: string, name: string, mask: number, tf: readonly [string, string], description: string) =>
  field(abbrev, name, FT.Bool, description, { bitmask: mask, bitWidth: 16, trueFalse: tf });

const hf = {
  length: field('dns.length', 'Length', FT.UInt16, 'Over TCP every DNS message is preceded by its length in two bytes, so the receiver knows where it ends.'),
  id: field('dns.id', 'Transaction ID', FT.UInt16, 'A number the client picks for each query; the server copies it into the response so the two can be matched.', { base: 'hex' }),
  flags: field('dns.flags', 'Flags', FT.UInt16, 'The second 16 bits of the header: whether this is a query or a response, the kind of operation, and the result code.', { base: 'hex' }),
  response: flag('dns.flags.response', 'Response', 0x8000, ['Message is a response', 'Message is a query'], 'The QR bit: 0 for a query, 1 for a response.'),
  opcode: field('dns.flags.opcode', 'Opcode', FT.UInt16, 'What kind of request this is: a standard query (0), a zone change notification (4), a dynamic update (5)...', { bitmask: 0x7800, bitWidth: 16, values: opcodeNames }),
  authoritative: flag('dns.flags.authoritative', 'Authoritative', 0x0400, ['Server is an authority for domain', 'Server is not an authority for domain'], 'The AA bit: the answering server holds the zone itself rather than a cached copy.'),
  conflict: flag('dns.flags.conflict', 'Conflict', 0x0400, ['The sender received multiple responses', 'None'], 'LLMNR only: the name may not be unique on the link because several hosts answered.'),
  truncated: flag('dns.flags.truncated', 'Truncated', 0x0200, ['Message is truncated', 'Message is not truncated'], 'The TC bit: the answer did not fit in the datagram; the client should retry over TCP.'),
  recdesired: flag('dns.flags.recdesired', 'Recursion desired', 0x0100, ['Do query recursively', "Don't do query recursively"], 'The RD bit: the client asks the server to chase the answer through other servers for it.'),
  tentative: flag('dns.flags.tentative', 'Tentative', 0x0100, ['Tentative', 'Not tentative'], 'LLMNR only: the responder has not yet verified that the name is unique.'),
  recavail: flag('dns.flags.recavail', 'Recursion available', 0x0080, ["Server can do recursive queries", "Server can't do recursive queries"], 'The RA bit: the server offers recursive resolution.'),
  z: flag('dns.flags.z', 'Z', 0x0040, ['reserved - incorrect!', 'reserved (0)'], 'A reserved bit that must be zero.'),
  authenticated: flag('dns.flags.authenticated', 'Answer authenticated', 0x0020, ['Answer/authority portion was authenticated by the server', 'Answer/authority portion was not authenticated by the server'], 'The AD bit: a validating resolver checked the DNSSEC signatures of the answer (in a query: the client understands the bit).'),
  checkdisable: flag('dns.flags.checkdisable', 'Non-authenticated data', 0x0010, ['Acceptable', 'Unacceptable'], 'The CD bit: the client wants the data even if DNSSEC validation fails, because it validates itself.'),
  rcode: field('dns.flags.rcode', 'Reply code', FT.UInt16, 'The outcome of the query: 0 no error, 2 server failure, 3 no such name (NXDOMAIN), 5 refused...', { bitmask: 0x000f, bitWidth: 16, values: rcodeNames }),
  countQueries: field('dns.count.queries', 'Questions', FT.UInt16, 'How many questions the message carries (almost always 1).'),
  countZones: field('dns.count.zones', 'Zones', FT.UInt16, 'In a dynamic update: how many zones the update applies to (must be 1).'),
  countAnswers: field('dns.count.answers', 'Answer RRs', FT.UInt16, 'How many resource records answer the question.'),
  countPrerequisites: field('dns.count.prerequisites', 'Prerequisites', FT.UInt16, 'In a dynamic update: how many records state what must (not) exist before the update is applied.'),
  countAuth: field('dns.count.auth_rr', 'Authority RRs', FT.UInt16, 'How many records name the servers authoritative for the zone (or carry the SOA of a negative answer).'),
  countUpdates: field('dns.count.updates', 'Updates', FT.UInt16, 'In a dynamic update: how many records are to be added or deleted.'),
  countAdditional: field('dns.count.add_rr', 'Additional RRs', FT.UInt16, 'How many extra records help the client (addresses of named servers, the EDNS OPT record).'),

  qryName: field('dns.qry.name', 'Name', FT.String, 'The domain name being asked about.'),
  qryNameLen: field('dns.qry.name.len', 'Name Length', FT.UInt16, 'How many characters the question name has, dots included.'),
  countLabels: field('dns.count.labels', 'Label Count', FT.UInt16, 'How many dot-separated labels the question name has.'),
  qryType: field('dns.qry.type', 'Type', FT.UInt16, 'The kind of record asked for: A (IPv4 address), AAAA (IPv6), MX (mail server), TXT...', { values: typeLongNames }),
  qryClass: field('dns.qry.class', 'Class', FT.UInt16, 'The name space of the question: IN (Internet) nearly always; CH (Chaos) for server identity queries.', { base: 'hex', values: classNames }),
  qryQu: flag('dns.qry.qu', '"QU" question', 0x8000, TRUE_FALSE, 'Multicast DNS: the top bit of the class asks for a unicast rather than a multicast response.'),

  respName: field('dns.resp.name', 'Name', FT.String, 'The domain name this resource record belongs to (its owner).'),
  respType: field('dns.resp.type', 'Type', FT.UInt16, 'The kind of resource record, which decides how its data is laid out.', { values: typeLongNames }),
  respClass: field('dns.resp.class', 'Class', FT.UInt16, 'The name space of the record: IN (Internet) nearly always.', { base: 'hex', values: classNames }),
  cacheFlush: flag('dns.resp.cache_flush', 'Cache flush', 0x8000, TRUE_FALSE, 'Multicast DNS: the top bit of the class tells listeners to replace cached records of this name and type.'),
  ttl: field('dns.resp.ttl', 'Time to live', FT.UInt32, 'How many seconds resolvers may cache this record before asking again.'),
  rdLength: field('dns.resp.len', 'Data length', FT.UInt16, 'How many bytes of record data follow (RDLENGTH).'),
  srvService: field('dns.srv.service', 'Service', FT.String, 'The service label of an SRV owner name (_sip in _sip._udp.example.com).'),
  srvProto: field('dns.srv.proto', 'Protocol', FT.String, 'The transport label of an SRV owner name (_udp in _sip._udp.example.com).'),
  srvName: field('dns.srv.name', 'Name', FT.String, 'The domain of an SRV owner name, after the service and protocol labels.'),

  udpPayloadSize: field('dns.rr.udp_payload_size', 'UDP payload size', FT.UInt16, 'EDNS: the largest UDP response the sender can receive, carried in the CLASS field of the OPT record.'),
  extRcode: field('dns.resp.ext_rcode', 'Higher bits in extended RCODE', FT.UInt8, 'EDNS: eight more bits placed above the header RCODE, making 12-bit codes such as BADVERS (16).', { base: 'hex' }),
  ednsVersion: field('dns.resp.edns0_version', 'EDNS0 version', FT.UInt8, 'EDNS: the version of the extension mechanism; 0 is the only one defined.'),
  ednsZ: field('dns.resp.z', 'Z', FT.UInt16, 'EDNS: the flags word of the OPT record; only the DO bit is defined.', { base: 'hex' }),
  ednsDo: flag('dns.resp.z.do', 'DO bit', 0x8000, ['Accepts DNSSEC security RRs', 'Cannot handle DNSSEC security RRs'], 'EDNS: DNSSEC OK, the client wants signatures (RRSIG) included in the answer.'),
  ednsReserved: field('dns.resp.z.reserved', 'Reserved', FT.UInt16, 'EDNS: flag bits not yet defined, sent as zero.', { base: 'hex', bitmask: 0x7fff, bitWidth: 16 }),
  opt: field('dns.opt', 'Option', FT.None, 'One EDNS option of the OPT record: a code, a length and data.'),
  optCode: field('dns.opt.code', 'Option Code', FT.UInt16, 'Which EDNS option this is: NSID (3), client subnet (8), cookie (10), padding (12)...', { values: optionNames }),
  optLen: field('dns.opt.len', 'Option Length', FT.UInt16, 'How many bytes of option data follow.'),
  optData: field('dns.opt.data', 'Option Data', FT.Bytes, 'The raw bytes of the EDNS option.'),
  ecsFamily: field('dns.opt.client.family', 'Family', FT.UInt16, 'Client subnet: the address family of the subnet (1 IPv4, 2 IPv6).', { values: { 1: 'IPv4', 2: 'IPv6' } }),
  ecsNetmask: field('dns.opt.client.netmask', 'Source Netmask', FT.UInt8, 'Client subnet: how many leading bits of the client address the resolver reveals.'),
  ecsScope: field('dns.opt.client.scope', 'Scope Netmask', FT.UInt8, 'Client subnet: in a response, how many bits of the subnet the answer is valid for.'),
  ecsAddr: field('dns.opt.client.addr', 'Client Subnet', FT.Bytes, 'Client subnet: the address bytes of a family other than IPv4 or IPv6.'),
  ecsAddr4: field('dns.opt.client.addr4', 'Client Subnet', FT.IPv4, 'Client subnet: the IPv4 subnet of the client on whose behalf the resolver asks.'),
  ecsAddr6: field('dns.opt.client.addr6', 'Client Subnet', FT.IPv6, 'Client subnet: the IPv6 subnet of the client on whose behalf the resolver asks.'),
  cookieClient: field('dns.opt.cookie.client', 'Client Cookie', FT.Bytes, 'DNS cookie: 8 bytes the client chose, which a server echoes to prove it saw the query (RFC 7873).'),
  optDau: field('dns.opt.dau', 'DAU', FT.UInt8, 'EDNS DAU option: a DNSSEC signing algorithm the client can validate (RFC 6975).', { values: dnssecAlgorithms }),
  optDhu: field('dns.opt.dhu', 'DHU', FT.UInt8, 'EDNS DHU option: a DS hash algorithm the client can validate (RFC 6975).', { values: dsDigestTypes }),
  optN3u: field('dns.opt.n3u', 'N3U', FT.UInt8, 'EDNS N3U option: an NSEC3 hash algorithm the client can validate (RFC 6975).', { values: { 0: 'Reserved', 1: 'SHA-1' } }),
  optKeepalive: field('dns.opt.edns_tcp_keepalive.timeout', 'Timeout', FT.UInt16, 'EDNS TCP keepalive (RFC 7828): how long an idle TCP connection stays open, in units of 100 ms.'),
  optPadding: field('dns.opt.padding', 'Padding', FT.Bytes, 'EDNS padding (RFC 7830): filler bytes, normally zero, that hide the true length of encrypted messages.'),
  optChain: field('dns.opt.chain.fqdn', 'Closest Trust Point', FT.String, 'EDNS CHAIN option (RFC 7901): the name from which the client wants the DNSSEC chain, in wire form.'),
  optExtErrorCode: field('dns.opt.ext_error.info_code', 'Info Code', FT.UInt16, 'Extended DNS Error (RFC 8914): a number giving the reason behind the response code (e.g. 7 signature expired, 18 prohibited).'),
  optExtErrorText: field('dns.opt.ext_error.extra_text', 'Extra Text', FT.String, 'Extended DNS Error: free text from the server about the error.'),
  cookieServer: field('dns.opt.cookie.server', 'Server Cookie', FT.Bytes, 'DNS cookie: the server\'s part, which the client returns on later queries to show it is not spoofed.'),

  a: field('dns.a', 'Address', FT.IPv4, 'An IPv4 address the name resolves to.'),
  aaaa: field('dns.aaaa', 'AAAA Address', FT.IPv6, 'An IPv6 address the name resolves to.'),
  ns: field('dns.ns', 'Name Server', FT.String, 'A server authoritative for the zone.'),
  cname: field('dns.cname', 'CNAME', FT.String, 'The canonical name this alias stands for; resolution continues with it.'),
  dname: field('dns.dname', 'Dname', FT.String, 'DNAME: the domain that replaces this one as a suffix of every name below it.'),
  ptr: field('dns.ptr.domain_name', 'Domain Name', FT.String, 'The name a PTR record points to; in reverse zones, the host name of an address.'),
  soaMname: field('dns.soa.mname', 'Primary name server', FT.String, 'SOA: the primary server of the zone.'),
  soaRname: field('dns.soa.rname', "Responsible authority's mailbox", FT.String, 'SOA: the mail address of the zone administrator, with the @ written as a dot.'),
  soaSerial: field('dns.soa.serial_number', 'Serial Number', FT.UInt32, 'SOA: the zone version, raised on every change so secondaries know to transfer it again.'),
  soaRefresh: field('dns.soa.refresh_interval', 'Refresh Interval', FT.UInt32, 'SOA: seconds between a secondary server\'s checks for a new serial.'),
  soaRetry: field('dns.soa.retry_interval', 'Retry Interval', FT.UInt32, 'SOA: seconds a secondary waits before retrying a failed refresh.'),
  soaExpire: field('dns.soa.expire_limit', 'Expire limit', FT.UInt32, 'SOA: after this many seconds without reaching the primary, a secondary stops answering for the zone.'),
  soaMinimum: field('dns.soa.minimum_ttl', 'Minimum TTL', FT.UInt32, 'SOA: how long resolvers may cache a negative answer (RFC 2308).'),
  mxPreference: field('dns.mx.preference', 'Preference', FT.UInt16, 'MX: lower values are tried first when several mail servers exist.'),
  mxExchange: field('dns.mx.mail_exchange', 'Mail Exchange', FT.String, 'MX: the host that accepts mail for the domain.'),
  txtLength: field('dns.txt.length', 'TXT Length', FT.UInt8, 'TXT: length of the next character string.'),
  txt: field('dns.txt', 'TXT', FT.String, 'TXT: a free-form text string (SPF policies, domain verification tokens...).'),
  spfLength: field('dns.spf.length', 'SPF Length', FT.UInt8, 'SPF record: length of the next character string.'),
  spf: field('dns.spf', 'SPF', FT.String, 'SPF record (type 99, obsolete): a sender policy text.'),
  nullData: field('dns.null', 'Null (data)', FT.Bytes, 'NULL record: arbitrary bytes with no defined meaning.'),
  hinfoCpuLength: field('dns.hinfo.cpu_length', 'CPU Length', FT.UInt8, 'HINFO: length of the CPU string.'),
  hinfoCpu: field('dns.hinfo.cpu', 'CPU', FT.String, 'HINFO: the host\'s hardware type.'),
  hinfoOsLength: field('dns.hinfo.os_length', 'OS Length', FT.UInt8, 'HINFO: length of the OS string.'),
  hinfoOs: field('dns.hinfo.os', 'OS', FT.String, 'HINFO: the host\'s operating system.'),
  rpMailbox: field('dns.rp.mailbox', 'Mailbox', FT.String, 'RP: the mailbox of the person responsible for the name, @ written as a dot.'),
  rpTxt: field('dns.rp.txt_rr', 'TXT RR', FT.String, 'RP: a name whose TXT records hold more about that person.'),
  srvPriority: field('dns.srv.priority', 'Priority', FT.UInt16, 'SRV: targets with lower priority are tried first.'),
  srvWeight: field('dns.srv.weight', 'Weight', FT.UInt16, 'SRV: among targets of equal priority, load is shared in proportion to weight.'),
  srvPort: field('dns.srv.port', 'Port', FT.UInt16, 'SRV: the port the service listens on at the target.'),
  srvTarget: field('dns.srv.target', 'Target', FT.String, 'SRV: the host providing the service.'),
  naptrOrder: field('dns.naptr.order', 'Order', FT.UInt16, 'NAPTR: records are processed in increasing order.'),
  naptrPreference: field('dns.naptr.preference', 'Preference', FT.UInt16, 'NAPTR: among records of equal order, lower preference is tried first.'),
  naptrFlagsLength: field('dns.naptr.flags_length', 'Flags Length', FT.UInt8, 'NAPTR: length of the flags string.'),
  naptrFlags: field('dns.naptr.flags', 'Flags', FT.String, 'NAPTR: letters saying what the next lookup is ("S" SRV, "A" address, "U" URI).'),
  naptrServiceLength: field('dns.naptr.service_length', 'Service Length', FT.UInt8, 'NAPTR: length of the service string.'),
  naptrService: field('dns.naptr.service', 'Service', FT.String, 'NAPTR: the service and protocol this rule leads to ("SIP+D2U", "E2U+sip").'),
  naptrRegexLength: field('dns.naptr.regex_length', 'Regex Length', FT.UInt8, 'NAPTR: length of the rewrite expression.'),
  naptrRegex: field('dns.naptr.regex', 'Regex', FT.String, 'NAPTR: a substitution applied to the original string to produce the next name or URI.'),
  naptrReplacementLength: field('dns.naptr.replacement_length', 'Replacement Length', FT.UInt8, 'NAPTR: length of the replacement name as text.'),
  naptrReplacement: field('dns.naptr.replacement', 'Replacement', FT.String, 'NAPTR: the next domain name to look up when no regex is used.'),
  dsKeyId: field('dns.ds.key_id', 'Key id', FT.UInt16, 'DS: the key tag of the child zone\'s DNSKEY this record vouches for.', { base: 'hex' }),
  dsAlgorithm: field('dns.ds.algorithm', 'Algorithm', FT.UInt8, 'DS: the signing algorithm of that DNSKEY.', { values: dnssecAlgorithms }),
  dsDigestType: field('dns.ds.digest_type', 'Digest Type', FT.UInt8, 'DS: the hash function used for the digest (1 SHA-1, 2 SHA-256, 4 SHA-384).', { values: dsDigestTypes }),
  dsDigest: field('dns.ds.digest', 'Digest', FT.Bytes, 'DS: hash of the child\'s DNSKEY, linking the parent zone\'s trust to the child.'),
  sshfpAlgorithm: field('dns.sshfp.algorithm', 'Algorithm', FT.UInt8, 'SSHFP: the SSH host key algorithm.', { values: { 0: 'Reserved', 1: 'RSA', 2: 'DSA', 3: 'ECDSA', 4: 'Ed25519', 5: 'XMSS' } }),
  sshfpType: field('dns.sshfp.fingerprint.type', 'Fingerprint type', FT.UInt8, 'SSHFP: the hash used for the fingerprint.', { values: { 0: 'Reserved', 1: 'SHA1', 2: 'SHA256' } }),
  sshfpFingerprint: field('dns.sshfp.fingerprint', 'Fingerprint', FT.Bytes, 'SSHFP: hash of the host\'s SSH key, so a client can check it through DNSSEC.'),
  rrsigTypeCovered: field('dns.rrsig.type_covered', 'Type Covered', FT.UInt16, 'RRSIG: the record type of the set this signature covers.', { values: typeLongNames }),
  rrsigAlgorithm: field('dns.rrsig.algorithm', 'Algorithm', FT.UInt8, 'RRSIG: the signing algorithm.', { values: dnssecAlgorithms }),
  rrsigLabels: field('dns.rrsig.labels', 'Labels', FT.UInt8, 'RRSIG: how many labels the signed owner name has (fewer than the owner means a wildcard).'),
  rrsigOriginalTtl: field('dns.rrsig.original_ttl', 'Original TTL', FT.UInt32, 'RRSIG: the TTL of the records as the zone publishes them, needed to verify the signature.'),
  rrsigExpiration: field('dns.rrsig.signature_expiration', 'Signature Expiration', FT.AbsTime, 'RRSIG: the signature is not valid after this time.'),
  rrsigInception: field('dns.rrsig.signature_inception', 'Signature Inception', FT.AbsTime, 'RRSIG: the signature is not valid before this time.'),
  rrsigKeyTag: field('dns.rrsig.key_tag', 'Key Tag', FT.UInt16, 'RRSIG: the key tag of the DNSKEY that made the signature.'),
  rrsigSigner: field('dns.rrsig.signers_name', "Signer's name", FT.String, 'RRSIG: the zone whose key signed the records.'),
  rrsigSignature: field('dns.rrsig.signature', 'Signature', FT.Bytes, 'RRSIG: the cryptographic signature over the record set.'),
  dnskeyFlags: field('dns.dnskey.flags', 'Flags', FT.UInt16, 'DNSKEY: flag bits saying how the key is used.', { base: 'hex' }),
  dnskeyZoneKey: flag('dns.dnskey.flags.zone_key', 'Zone Key', 0x0100, ['This is the zone key for specified zone', 'This is not a zone key'], 'DNSKEY: set for keys that sign the zone\'s records.'),
  dnskeyRevoked: flag('dns.dnskey.flags.key_revoked', 'Key Revoked', 0x0080, ['Yes', 'No'], 'DNSKEY: the key has been revoked (RFC 5011).'),
  dnskeySep: flag('dns.dnskey.flags.secure_entry_point', 'Key Signing Key', 0x0001, ['Yes', 'No'], 'DNSKEY: the Secure Entry Point bit, set on key-signing keys referenced from the parent\'s DS.'),
  dnskeyReserved: field('dns.dnskey.flags.reserved', 'Key Signing Key', FT.UInt16, 'DNSKEY: flag bits not defined, sent as zero.', { base: 'hex', bitmask: 0xfe7e, bitWidth: 16 }),
  dnskeyProtocol: field('dns.dnskey.protocol', 'Protocol', FT.UInt8, 'DNSKEY: always 3 for DNSSEC.'),
  dnskeyAlgorithm: field('dns.dnskey.algorithm', 'Algorithm', FT.UInt8, 'DNSKEY: the public key\'s algorithm.', { values: dnssecAlgorithms }),
  dnskeyKeyId: field('dns.dnskey.key_id', 'Key id', FT.UInt16, 'DNSKEY: the key tag computed from the record (RFC 4034 appendix B), which RRSIG and DS records use to refer to it.'),
  dnskeyPublicKey: field('dns.dnskey.public_key', 'Public Key', FT.Bytes, 'DNSKEY: the public key material.'),
  nsecNext: field('dns.nsec.next_domain_name', 'Next Domain Name', FT.String, 'NSEC: the next name in the zone\'s canonical order; no name exists between the owner and this one.'),
  nsec3Algo: field('dns.nsec3.algo', 'Hash algorithm', FT.UInt8, 'NSEC3: the hash used on owner names (1 = SHA-1).', { values: { 0: 'Reserved', 1: 'SHA-1' } }),
  nsec3Flags: field('dns.nsec3.flags', 'NSEC3 flags', FT.UInt8, 'NSEC3: flag bits; only Opt-Out is defined.'),
  nsec3OptOut: field('dns.nsec3.flags.opt_out', 'NSEC3 Opt-out flag', FT.Bool, 'NSEC3: the range may contain unsigned delegations.', { bitmask: 0x01, bitWidth: 8, trueFalse: ['Additional insecure delegations allowed', 'Additional insecure delegations forbidden'] }),
  nsec3Iterations: field('dns.nsec3.iterations', 'NSEC3 iterations', FT.UInt16, 'NSEC3: how many extra times the hash is applied.'),
  nsec3SaltLength: field('dns.nsec3.salt_length', 'Salt length', FT.UInt8, 'NSEC3: length of the salt in bytes.'),
  nsec3Salt: field('dns.nsec3.salt_value', 'Salt value', FT.Bytes, 'NSEC3: bytes mixed into every hash so precomputed tables do not work.'),
  nsec3HashLength: field('dns.nsec3.hash_length', 'Hash length', FT.UInt8, 'NSEC3: length in bytes of the next hashed owner name.'),
  nsec3Hash: field('dns.nsec3.hash_value', 'Next hashed owner', FT.String, 'NSEC3: the next hashed name in the zone, shown in base32hex as it appears in owner names.'),
  tlsaUsage: field('dns.tlsa.certificate_usage', 'Certificate Usage', FT.UInt8, 'TLSA: how the data constrains the server certificate (PKIX-TA, PKIX-EE, DANE-TA, DANE-EE).', { values: { 0: 'CA constraint (PKIX-TA)', 1: 'Service certificate constraint (PKIX-EE)', 2: 'Trust anchor assertion (DANE-TA)', 3: 'Domain-issued certificate (DANE-EE)' } }),
  tlsaSelector: field('dns.tlsa.selector', 'Selector', FT.UInt8, 'TLSA: whether the whole certificate or only its public key is matched.', { values: { 0: 'Full certificate (Cert)', 1: 'SubjectPublicKeyInfo (SPKI)' } }),
  tlsaMatching: field('dns.tlsa.matching_type', 'Matching Type', FT.UInt8, 'TLSA: whether the data is the selected content itself or its SHA-256/512 hash.', { values: { 0: 'No Hash Used (Full)', 1: '256 bit hash by SHA2 (SHA2-256)', 2: '512 bit hash by SHA2 (SHA2-512)' } }),
  tlsaData: field('dns.tlsa.certificate_association_data', 'Certificate Association Data', FT.Bytes, 'TLSA: the certificate data or hash a TLS client compares with what the server presents.'),
  caaFlags: field('dns.caa.flags', 'CAA Flags', FT.UInt8, 'CAA: flag bits; only Issuer Critical is defined.', { base: 'hex' }),
  caaCritical: field('dns.caa.flags.issuer_critical', 'Issuer Critical', FT.Bool, 'CAA: a CA that does not understand this property must refuse to issue.', { bitmask: 0x80, bitWidth: 8, trueFalse: ['Critical', 'Not critical'] }),
  caaIssue: field('dns.caa.issue', 'Issue', FT.String, 'CAA: a certificate authority allowed to issue certificates for the domain.'),
  caaIssueWild: field('dns.caa.issuewild', 'Issue Wildcard', FT.String, 'CAA: a certificate authority allowed to issue wildcard certificates.'),
  caaIodef: field('dns.caa.iodef', 'Report URL', FT.String, 'CAA: where certificate authorities report requests that break the policy.'),
  caaUnknown: field('dns.caa.unknown', 'Unknown tag', FT.String, 'CAA: a property whose tag is not one of issue, issuewild or iodef.'),
  caaTagLength: field('dns.caa.tag_length', 'Tag length', FT.UInt8, 'CAA: length of the property tag.'),
  caaTag: field('dns.caa.tag', 'Tag', FT.String, 'CAA: the property name.'),
  caaValue: field('dns.caa.value', 'Value', FT.String, 'CAA: the property value.'),
  svcPriority: field('dns.svcb.svcpriority', 'SvcPriority', FT.UInt16, 'SVCB/HTTPS: 0 makes the record an alias; otherwise lower values are preferred.'),
  svcTarget: field('dns.svcb.targetname', 'TargetName', FT.String, 'SVCB/HTTPS: the host offering the service ("<Root>" means the owner name itself).'),
  svcParam: field('dns.svcb.svcparam', 'SvcParam', FT.None, 'SVCB/HTTPS: one key=value service parameter.'),
  svcParamKey: field('dns.svcb.svcparam.key', 'SvcParamKey', FT.UInt16, 'SVCB/HTTPS: which parameter this is (alpn, port, ipv4hint...).', { values: svcParamKeys }),
  svcParamLength: field('dns.svcb.svcparam.value.length', 'SvcParamValue length', FT.UInt16, 'SVCB/HTTPS: length of the parameter value.'),
  svcParamValue: field('dns.svcb.svcparam.value', 'SvcParamValue', FT.Bytes, 'SVCB/HTTPS: the raw value of a parameter this decoder does not know.'),
  svcMandatory: field('dns.svcb.svcparam.mandatory.key', 'Mandatory key', FT.UInt16, 'SVCB/HTTPS: a parameter the client must understand to use this record.', { values: svcParamKeys }),
  svcAlpnLength: field('dns.svcb.svcparam.alpn.length', 'ALPN length', FT.UInt8, 'SVCB/HTTPS: length of the next protocol identifier.'),
  svcAlpn: field('dns.svcb.svcparam.alpn', 'ALPN', FT.String, 'SVCB/HTTPS: an application protocol the endpoint supports (h2, h3...).'),
  svcPort: field('dns.svcb.svcparam.port', 'Port', FT.UInt16, 'SVCB/HTTPS: the port of the alternative endpoint.'),
  svcIpv4: field('dns.svcb.svcparam.ipv4hint.ip', 'IP', FT.IPv4, 'SVCB/HTTPS: an IPv4 address the client may use before resolving the target.'),
  svcEch: field('dns.svcb.svcparam.echconfig', 'ECHConfig', FT.Bytes, 'SVCB/HTTPS: the Encrypted ClientHello configuration of the server.'),
  svcIpv6: field('dns.svcb.svcparam.ipv6hint.ip', 'IP', FT.IPv6, 'SVCB/HTTPS: an IPv6 address the client may use before resolving the target.'),
  data: field('dns.data', 'Data', FT.Bytes, 'Record data of a type this decoder does not lay out field by field.'),

  extraneousData: field('dns.extraneous.data', 'Extraneous Data Bytes', FT.Bytes, 'Bytes after the last record the header counts announce: padding, garbage or a lying header.'),
  extraneousLength: field('dns.extraneous.length', 'Extraneous Data Length', FT.Int32, 'How many bytes follow the last record.'),

  responseIn: field('dns.response_in', 'Response In', FT.FrameNum, 'The frame holding the response to this query (shown once the response has been seen).'),
  responseTo: field('dns.response_to', 'Request In', FT.FrameNum, 'The frame holding the query this response answers (same conversation, same transaction ID).'),
  time: field('dns.time', 'Time', FT.RelTime, 'Seconds between the query and this response: how long the server took to answer, as seen where the capture was taken.', { unit: ' seconds' }),
  unsolicited: field('dns.unsolicited', 'Unsolicited', FT.Bool, 'A response for which no query with the same transaction ID was seen in this conversation.', { trueFalse: TRUE_FALSE }),
  retransmission: field('dns.retransmission', 'Retransmission', FT.Bool, 'The same query or response was already seen: the client timed out and asked again, or the server repeated itself.', { trueFalse: TRUE_FALSE }),
  retransmitRequestIn: field('dns.retransmit_request_in', 'Retransmitted request. Original request in', FT.FrameNum, 'The frame of the first copy of this repeated query.'),
  retransmitResponseIn: field('dns.retransmit_response_in', 'Retransmitted response. Original response in', FT.FrameNum, 'The frame of the first copy of this repeated response.'),
};

// ---------------------------------------------------------------------------------------------
// Names

const enum NameProblem {
  None = 0,
  /** A pointer to its own position or later: RFC 1035 allows only pointers to prior occurrences. */
  Forward = 1,
  Loop = 2,
  TooLong = 4,
  /** A label type other than plain (00) or pointer (11): extended (01, RFC 6891 retired them) or reserved (10). */
  BadLabel = 8,
}

export interface DnsName {
  /** Display form: escaped like tshark, "<Root>", or a placeholder when the name cannot be shown. */
  text: string;
  /** Characters in the name (dots included) as tshark counts them for dns.qry.name.len. */
  length: number;
  labels: number;
  /** Bytes the name occupies where it is written (up to and including its first pointer). */
  used: number;
  problems: number;
}

/** Longest name text accepted (RFC 1035: 255 bytes on the wire, 253 characters as text). */
const MAX_NAME_CHARS = 253;
/** A 253-character name needs at most 127 pointers; more can only be a trick. */
const MAX_POINTERS = 127;
const utf8 = new TextDecoder('utf-8');
const ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/**
 * Label or character-string bytes as tshark shows them: printable ASCII as is, UTF-8 kept, invalid
 * bytes as U+FFFD, control characters escaped C-style (\n, \001).
 */
export function dnsText(b: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e) {
      plain = false;
      break;
    }
  }
  if (plain) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c >= 0x80) {
      let j = i + 1;
      while (j < b.length && b[j]! >= 0x80) j++;
      s += utf8.decode(b.subarray(i, j));
      i = j;
      continue;
    }
    if (c < 0x20 || c === 0x7f) s += ESCAPES[c] ?? '\\' + c.toString(8).padStart(3, '0');
    else s += String.fromCharCode(c);
    i++;
  }
  return s;
}

/**
 * Decodes the name at `offset` of the DNS message `msg` (offset 0 = the transaction ID, which is where
 * compression pointers count from). Bounded whatever the bytes: at most MAX_POINTERS jumps, no target
 * visited twice, and once the text is too long nothing more is read past the first pointer.
 * Reading past the end of the message throws the Buf's bounds error (the name is not whole).
 */
export function readName(msg: Buf, offset: number, bytes: Uint8Array = msg.bytesAt(0, msg.length)): DnsName {
  const end = bytes.length;
  let pos = offset;
  let used = -1;
  let problems = 0;
  let chars = 0;
  // Where each label's text starts; the text is built only once the whole name is known to be valid.
  let count = 0;
  let targets: number[] | null = null;
  for (;;) {
    const len = pos < end && pos >= 0 ? bytes[pos]! : msg.u8(pos);
    if (len === 0) {
      pos++;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0) {
      const from = pos + 1;
      if (from + len > end) msg.check(from, len);
      pos = from + len;
      if (!(problems & NameProblem.TooLong)) {
        chars += (count > 0 ? 1 : 0) + len;
        if (chars > MAX_NAME_CHARS) problems |= NameProblem.TooLong;
        else labelStarts[count++] = from;
      }
      if (problems & NameProblem.TooLong && used >= 0) break;
    } else if (kind === 0xc0) {
      const target = ((len & 0x3f) << 8) | (pos + 1 < end ? bytes[pos + 1]! : msg.u8(pos + 1));
      if (used < 0) used = pos + 2 - offset;
      if (target >= pos) problems |= NameProblem.Forward;
      if (targets === null) targets = [target];
      else if (targets.includes(target) || targets.length >= MAX_POINTERS) {
        problems |= NameProblem.Loop;
        break;
      } else targets.push(target);
      if (problems & NameProblem.TooLong) break;
      pos = target;
    } else {
      problems |= NameProblem.BadLabel;
      if (used < 0) used = pos + 1 - offset;
      break;
    }
  }
  if (used < 0) used = pos - offset;
  if (problems & (NameProblem.Loop | NameProblem.TooLong | NameProblem.BadLabel)) {
    const text = problems & NameProblem.Loop ? '<Name contains a pointer that loops>'
      : problems & NameProblem.BadLabel ? '<Unknown extended label>' : '<Name too long>';
    return { text, length: text.length, labels: 1, used, problems };
  }
  if (count === 0) return { text: '<Root>', length: 6, labels: 1, used, problems };
  // tshark counts labels as dots + 1 in the text, so a dot inside a label counts as a separator.
  let text = '';
  let labels = count;
  for (let l = 0; l < count; l++) {
    const from = labelStarts[l]!;
    const to = from + bytes[from - 1]!;
    let label = '';
    for (let i = from; i < to; i++) {
      const c = bytes[i]!;
      if (c < 0x20 || c > 0x7e) {
        label = dnsText(bytes.subarray(from, to));
        for (let j = i; j < to; j++) if (bytes[j] === 0x2e) labels++;
        break;
      }
      if (c === 0x2e) labels++;
      label += String.fromCharCode(c);
    }
    text += l > 0 ? '.' + label : label;
  }
  return { text, length: chars, labels, used, problems };
}

/** Scratch for readName: a valid name has at most 127 labels (253 characters). */
const labelStarts = new Int32Array(128);

/** Adds expert info for a name's problems; a bad label type ends the message (its length is unknown). */
function noteNameProblems(pkt: Packet, node: Node, name: DnsName): void {
  if (name.problems === NameProblem.None) return;
  if (name.problems & NameProblem.Loop) {
    pkt.addExpert(node, Severity.Error, 'Malformed', 'Compression pointers loop; the name cannot be decoded', 'dns');
  } else if (name.problems & NameProblem.TooLong) {
    pkt.addExpert(node, Severity.Error, 'Malformed', `Name longer than ${MAX_NAME_CHARS} characters`, 'dns');
  }
  if (name.problems & NameProblem.Forward) {
    pkt.addExpert(node, Severity.Warning, 'Malformed', 'Compression pointer points forward; RFC 1035 allows pointers to earlier names only', 'dns');
  }
  if (name.problems & NameProblem.BadLabel) {
    pkt.addExpert(node, Severity.Error, 'Malformed', 'Label type 01 or 10 (extended or reserved): the rest of the message cannot be located', 'dns');
    throw new ReportedBoundsError('DNS name with an unsupported label type');
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** "1 day, 22 hours, 45 minutes, 7 seconds": how tshark spells out TTLs and intervals. */
export function secondsText(total: number): string {
  if (total === 0) return '0 seconds';
  const parts: string[] = [];
  const units: [number, string][] = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  let rest = total;
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  return parts.join(', ');
}

/** ".000 0000 0000 0001": Wireshark's bit picture of `value` under `mask` in a 16-bit word. */
function bits16(mask: number, value: number): string {
  let s = '';
  for (let i = 15; i >= 0; i--) {
    s += (mask >> i) & 1 ? ((value >> i) & 1 ? '1' : '0') : '.';
    if (i % 4 === 0 && i > 0) s += ' ';
  }
  return s;
}

/** A one-bit flag as the 0/1 value a bitmask Bool field holds. */
function bit(value: number, mask: number): number {
  return value & mask ? 1 : 0;
}

function className(cls: number): string {
  return classNames[cls] ?? 'Unknown';
}

/** RFC 4034 appendix B: the key tag that RRSIG and DS records use to name a DNSKEY. */
export function keyTag(rdata: Uint8Array, algorithm: number): number {
  if (algorithm === 1) return rdata.length >= 4 ? (rdata[rdata.length - 3]! << 8) | rdata[rdata.length - 2]! : 0;
  let sum = 0;
  for (let i = 0; i < rdata.length; i++) sum += i & 1 ? rdata[i]! : rdata[i]! << 8;
  sum += (sum >>> 16) & 0xffff;
  return sum & 0xffff;
}

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';
/** RFC 4648 base32hex without padding, the form NSEC3 hashes take in owner names. */
export function base32hex(b: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < b.length; i++) {
    acc = (acc << 8) | b[i]!;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32HEX[(acc << (5 - bits)) & 31];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Messages

const enum Variant {
  Dns,
  Mdns,
  Llmnr,
}

/** State shared by the record decoders of one message. */
interface Ctx {
  pkt: Packet;
  /** The whole DNS message: names and compression pointers are relative to it. */
  msg: Buf;
  /** Its captured bytes, read directly by the name decoder. */
  bytes: Uint8Array;
  variant: Variant;
  /** Build tree labels (false when no tree is wanted). */
  tree: boolean;
  /** Offset of the current record's data within `msg`. */
  rdOff: number;
  /** Text a record decoder adds to its record's label (", addr 10.0.0.1"). */
  label: string;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Like tshark's column limit: hostile messages with thousands of records must not build megabyte strings. */
const INFO_LIMIT = 4096;

function hex4(v: number): string {
  return HEX_BYTE[v >> 8]! + HEX_BYTE[v & 0xff]!;
}

/** Adds the bit-by-bit lines under Flags, as tshark shows them for each kind of message. */
function addFlagBits(flagsNode: Node, msg: Buf, flags: number, response: boolean, variant: Variant): void {
  const add = (def: FieldDef, value: number) => flagsNode.add(def, msg, 2, 2, value);
  add(hf.response, bit(flags, 0x8000));
  add(hf.opcode, (flags >> 11) & 0xf);
  if (variant === Variant.Llmnr) {
    const conflict = add(hf.conflict, bit(flags, 0x0400));
    if (response) conflict.text = `${bits16(0x0400, flags)} = Conflict: ${flags & 0x0400 ? 'The name is not considered unique' : 'The name is considered unique'}`;
    add(hf.truncated, bit(flags, 0x0200));
    add(hf.tentative, bit(flags, 0x0100));
    if (response) add(hf.rcode, flags & 0xf);
    return;
  }
  if (response) add(hf.authoritative, bit(flags, 0x0400));
  add(hf.truncated, bit(flags, 0x0200));
  add(hf.recdesired, bit(flags, 0x0100));
  if (response) add(hf.recavail, bit(flags, 0x0080));
  add(hf.z, bit(flags, 0x0040));
  if (response) add(hf.authenticated, bit(flags, 0x0020));
  else if (flags & 0x0020) add(hf.authenticated, 1).text = `${bits16(0x0020, flags)} = AD bit: Set`;
  add(hf.checkdisable, bit(flags, 0x0010));
  if (response) add(hf.rcode, flags & 0xf);
}

/** What the tap and the generated fields need to know about query/response matching. */
interface Link {
  responseIn: number;
  responseTo: number;
  time: number;
  unsolicited: boolean;
  retransmitOf: number;
}

interface Transaction {
  reqFrame: number;
  repFrame: number;
  reqSeconds: number;
  reqNanos: number;
  /** Frames that repeated the query or the response, so dissecting them again gives the same result. */
  repeats: number[] | null;
}

/** Transactions kept per (conversation, ID); older ones are forgotten so memory stays bounded. */
const MAX_TRANSACTIONS_PER_ID = 8;
/** Repeated frames remembered per transaction (a flood of retransmissions must not grow memory). */
const MAX_REPEATS = 32;

/**
 * Matches queries and responses per (conversation, transaction ID) in one streaming pass, the way
 * tshark does without -2: a response learns its query; a query learns its response only when it is
 * dissected again after the response was seen. A repeated query within the retransmission timer
 * (preference dns.retransmission_timer, 5 s) and a second response to an answered query are
 * retransmissions; a response with no query is unsolicited.
 */
function linkTransaction(pkt: Packet, id: number, response: boolean, idNode: Node): Link {
  const link: Link = { responseIn: 0, responseTo: 0, time: -1, unsolicited: false, retransmitOf: 0 };
  const f = pkt.frame;
  const conv = pkt.conversation('udp');
  const byId = conv.get<Map<number, Transaction[]>>('dns') ?? conv.set('dns', new Map<number, Transaction[]>());
  let list = byId.get(id);
  if (!response) {
    const again = list?.find((t) => t.reqFrame === f.number);
    if (again) {
      link.responseIn = again.repFrame;
      return link;
    }
    const repeated = list?.find((t) => t.repeats?.includes(f.number));
    const last = list?.[list.length - 1];
    const timer = Number(pkt.session.prefs[retransmissionPref] ?? 5);
    const original = repeated ?? (last && last.repFrame === 0 && f.seconds - last.reqSeconds + (f.nanos - last.reqNanos) / 1e9 < timer ? last : null);
    if (original) {
      if (!repeated && (original.repeats ??= []).length < MAX_REPEATS) original.repeats.push(f.number);
      link.retransmitOf = original.reqFrame;
      pkt.addExpert(idNode, Severity.Warning, 'Protocol', `DNS query retransmission. Original request in frame ${original.reqFrame}`, 'dns');
      return link;
    }
    if (!list) byId.set(id, (list = []));
    list.push({ reqFrame: f.number, repFrame: 0, reqSeconds: f.seconds, reqNanos: f.nanos, repeats: null });
    if (list.length > MAX_TRANSACTIONS_PER_ID) list.shift();
    return link;
  }
  // A response answers the latest query still open (an older one timed out and was asked again).
  const answered = list?.find((t) => t.repFrame === f.number) ?? latestOpen(list);
  if (answered) {
    answered.repFrame = f.number;
    link.responseTo = answered.reqFrame;
    link.time = f.seconds - answered.reqSeconds + (f.nanos - answered.reqNanos) / 1e9;
    return link;
  }
  const last = list?.find((t) => t.repeats?.includes(f.number)) ?? list?.[list.length - 1];
  if (last) {
    if (!last.repeats?.includes(f.number) && (last.repeats ??= []).length < MAX_REPEATS) last.repeats.push(f.number);
    link.retransmitOf = last.repFrame;
    pkt.addExpert(idNode, Severity.Warning, 'Protocol', `DNS response retransmission. Original response in frame ${last.repFrame}`, 'dns');
  } else {
    link.unsolicited = true;
  }
  return link;
}

function latestOpen(list: Transaction[] | undefined): Transaction | undefined {
  if (list) for (let i = list.length - 1; i >= 0; i--) if (list[i]!.repFrame === 0) return list[i];
  return undefined;
}

function addLinkFields(node: Node, link: Link, response: boolean): void {
  if (link.responseIn) node.addGenerated(hf.responseIn, link.responseIn);
  if (link.responseTo) {
    node.addGenerated(hf.responseTo, link.responseTo);
    node.addGenerated(hf.time, link.time);
  }
  if (link.unsolicited) node.addGenerated(hf.unsolicited, true);
  if (link.retransmitOf) {
    node.addGenerated(response ? hf.retransmitResponseIn : hf.retransmitRequestIn, link.retransmitOf);
    node.addGenerated(hf.retransmission, true);
  }
}

/** Dissects one DNS message (`msg` starts at the transaction ID) into the protocol node `node`. */
function dissectMessage(msg: Buf, pkt: Packet, node: Node, variant: Variant): void {
  const tree = node.real;
  // The Info column is cleared first and the ID and flags read together, as tshark does: a message
  // cut inside them shows an empty DNS layer and only the truncation; one cut later shows the fields
  // up to the cut.
  pkt.setInfo('');
  const id = msg.u16(0);
  const flags = msg.u16(2);
  const idNode = node.add(hf.id, msg, 0, 2, id);
  const response = (flags & 0x8000) !== 0;
  const opcode = (flags >> 11) & 0xf;
  const rcode = flags & 0xf;
  const opcodeName = opcodeNames[opcode];
  let info = `${opcodeName ?? `Unknown operation (${opcode})`}${response ? ' response' : ''} 0x${hex4(id)}`;
  if (response && rcode !== 0) info += ` ${rcodeNames[rcode] ?? `Unknown error (${rcode})`}`;
  pkt.setInfo(info);
  const flagsNode = node.add(hf.flags, msg, 2, 2, flags);
  if (tree) {
    flagsNode.suffix = ` ${opcodeName ?? 'Unknown operation'}${response ? ` response, ${rcodeNames[rcode] ?? 'Unknown error'}` : ''}`;
    addFlagBits(flagsNode, msg, flags, response, variant);
  }

  const update = opcode === 5;
  const qdCount = msg.u16(4);
  node.add(update ? hf.countZones : hf.countQueries, msg, 4, 2, qdCount);
  const anCount = msg.u16(6);
  node.add(update ? hf.countPrerequisites : hf.countAnswers, msg, 6, 2, anCount);
  const nsCount = msg.u16(8);
  node.add(update ? hf.countUpdates : hf.countAuth, msg, 8, 2, nsCount);
  const arCount = msg.u16(10);
  node.add(hf.countAdditional, msg, 10, 2, arCount);

  const link = linkTransaction(pkt, id, response, idNode);
  const ctx: Ctx = { pkt, msg, bytes: msg.bytesAt(0, msg.length), variant, tree, rdOff: 0, label: '' };
  const tap = { id, isResponse: response, opcode, rcode, qname: '', qtype: -1, qclass: -1, answers: anCount, authorities: nsCount,
    additionals: arCount, time: link.time, unsolicited: link.unsolicited, retransmission: link.retransmitOf !== 0,
    protocol: variant === Variant.Mdns ? 'mdns' : variant === Variant.Llmnr ? 'llmnr' : 'dns', length: msg.reportedLength };
  let offset = 12;
  try {
    if (qdCount > 0) {
      const section = node.addText(update ? 'Zone' : 'Queries', msg, offset, 0);
      for (let i = 0; i < qdCount; i++) {
        offset = dissectQuestion(ctx, offset, section, i === 0 ? tap : null);
        if (tree) section.length = offset - 12;
      }
    }
    offset = dissectSection(ctx, node, update ? 'Prerequisites' : 'Answers', anCount, offset);
    offset = dissectSection(ctx, node, update ? 'Updates' : 'Authoritative nameservers', nsCount, offset);
    offset = dissectSection(ctx, node, 'Additional records', arCount, offset);
  } finally {
    if (tree) addLinkFields(node, link, response);
    pkt.tap('dns', tap);
  }
  const extra = msg.reportedLength - offset;
  if (extra > 0) {
    const shown = Math.max(0, Math.min(extra, msg.length - offset));
    const n = node.addText(`Extraneous Data (${extra} bytes)`, msg, offset, shown);
    if (shown > 0) n.add(hf.extraneousData, msg, offset, shown, msg.bytesAt(offset, shown));
    n.addGenerated(hf.extraneousLength, extra);
  }
}

/** One record section under its title ("Answers"); returns the offset after its last record. */
function dissectSection(ctx: Ctx, node: Node, title: string, count: number, offset: number): number {
  if (count === 0) return offset;
  const start = offset;
  const section = node.addText(title, ctx.msg, offset, 0);
  for (let i = 0; i < count; i++) {
    offset = dissectRecord(ctx, offset, section);
    if (ctx.tree) section.length = Math.min(offset, ctx.msg.length) - start;
  }
  return offset;
}

/** Class handling shared by questions and records: mDNS borrows the top bit (QU / cache flush). */
function addClass(ctx: Ctx, parent: Node, def: FieldDef, topBit: FieldDef, at: number, raw: number): number {
  if (ctx.variant !== Variant.Mdns) {
    parent.add(def, ctx.msg, at, 2, raw);
    return raw;
  }
  const cls = raw & 0x7fff;
  const n = parent.add(def, ctx.msg, at, 2, cls);
  if (ctx.tree) n.text = `${bits16(0x7fff, raw)} = Class: ${classNames[cls] ?? 'Unknown'} (0x${hex4(cls)})`;
  parent.add(topBit, ctx.msg, at, 2, bit(raw, 0x8000));
  return cls;
}

function dissectQuestion(ctx: Ctx, offset: number, section: Node, tap: { qname: string; qtype: number; qclass: number } | null): number {
  const { msg, pkt } = ctx;
  const name = readName(msg, offset, ctx.bytes);
  const q = section.addText(name.text, msg, offset, name.used);
  const nameNode = q.add(hf.qryName, msg, offset, name.used, name.text);
  q.addGenerated(hf.qryNameLen, name.length, msg, offset, name.used);
  q.addGenerated(hf.countLabels, name.labels, msg, offset, name.used);
  noteNameProblems(pkt, nameNode, name);
  const at = offset + name.used;
  const type = msg.u16(at);
  q.add(hf.qryType, msg, at, 2, type);
  const raw = msg.u16(at + 2);
  const cls = addClass(ctx, q, hf.qryClass, hf.qryQu, at + 2, raw);
  const qu = ctx.variant === Variant.Mdns && (raw & 0x8000) !== 0;
  if (ctx.tree) {
    q.text = `${name.text}: type ${typeShort(type)}, class ${className(cls)}${qu ? ', "QU" question' : ''}`;
    q.length = name.used + 4;
  }
  if (pkt.info.length < INFO_LIMIT) pkt.appendInfo(` ${typeShort(type)} ${name.text}${qu ? ', "QU" question' : ''}`);
  if (tap) {
    tap.qname = name.text;
    tap.qtype = type;
    tap.qclass = cls;
  }
  return at + 4;
}

/** An SRV owner name "_service._proto.name" is shown in three parts, as tshark does. */
function splitSrvOwner(text: string): [string, string, string] | null {
  const first = text.indexOf('.');
  const second = first < 0 ? -1 : text.indexOf('.', first + 1);
  if (second < 0 || text[0] !== '_' || text[first + 1] !== '_') return null;
  return [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
}

function dissectRecord(ctx: Ctx, offset: number, section: Node): number {
  const { msg, pkt, tree } = ctx;
  const name = readName(msg, offset, ctx.bytes);
  const at = offset + name.used;
  const rr = section.addText(name.text, msg, offset, name.used);
  const peekType = msg.has(at, 2) ? msg.u16(at) : -1;
  const srv = peekType === 33 ? splitSrvOwner(name.text) : null;
  let nameNode: Node;
  if (srv) {
    nameNode = rr.add(hf.srvService, msg, offset, name.used, srv[0]);
    rr.add(hf.srvProto, msg, offset, name.used, srv[1]);
    rr.add(hf.srvName, msg, offset, name.used, srv[2]);
  } else {
    nameNode = rr.add(hf.respName, msg, offset, name.used, name.text);
  }
  noteNameProblems(pkt, nameNode, name);

  const type = msg.u16(at);
  rr.add(hf.respType, msg, at, 2, type);
  let label = '';
  let flush = false;
  if (type === 41) {
    rr.add(hf.udpPayloadSize, msg, at + 2, 2, msg.u16(at + 2));
    rr.add(hf.extRcode, msg, at + 4, 1, msg.u8(at + 4));
    rr.add(hf.ednsVersion, msg, at + 5, 1, msg.u8(at + 5));
    const z = msg.u16(at + 6);
    const zNode = rr.add(hf.ednsZ, msg, at + 6, 2, z);
    zNode.add(hf.ednsDo, msg, at + 6, 2, bit(z, 0x8000));
    zNode.add(hf.ednsReserved, msg, at + 6, 2, z & 0x7fff);
    if (tree) label = `${name.text}: type OPT`;
  } else {
    const raw = msg.u16(at + 2);
    const cls = addClass(ctx, rr, hf.respClass, hf.cacheFlush, at + 2, raw);
    flush = ctx.variant === Variant.Mdns && (raw & 0x8000) !== 0;
    const ttl = msg.u32(at + 4);
    const ttlNode = rr.add(hf.ttl, msg, at + 4, 4, ttl);
    if (tree) ttlNode.suffix = ` (${secondsText(ttl)})`;
    if (ttl & 0x80000000) pkt.addExpert(ttlNode, Severity.Warning, 'Protocol', 'The uppermost bit of the TTL is set (RFC 2181, section 8)', 'dns');
    if (tree) label = `${name.text}: type ${typeShort(type)}, class ${className(cls)}${flush ? ', cache flush' : ''}`;
  }
  const rdLength = msg.u16(at + 8);
  const lengthNode = rr.add(hf.rdLength, msg, at + 8, 2, rdLength);
  const rdStart = at + 10;
  const rdEnd = rdStart + rdLength;
  if (tree) {
    rr.text = label;
    rr.length = Math.min(rdEnd, msg.length) - offset;
  }
  if (rdEnd > msg.reportedLength) {
    // The record claims more bytes than the message has: its data is not whole, and nothing after
    // it can be located. What was read so far stays in the tree; the packet is marked malformed.
    pkt.addExpert(lengthNode, Severity.Error, 'Malformed', `Data length ${rdLength} runs ${rdEnd - msg.reportedLength} bytes past the end of the message`, 'dns');
    throw new ReportedBoundsError(`record data runs past the end of the DNS message`);
  }

  ctx.rdOff = rdStart;
  ctx.label = '';
  let summary = '';
  try {
    summary = rdLength === 0 ? '' : dissectRdata(ctx, type, msg.sub(rdStart, rdLength), rr, name);
  } catch (e) {
    // The record's own length is known and its bytes are all here: only this record is bad, the
    // next one starts at rdEnd. Anything else (cut capture, message too short) ends the message.
    if (!(e instanceof ReportedBoundsError) || rdEnd > msg.length) throw e;
    pkt.addExpert(lengthNode, Severity.Error, 'Malformed', `Data length ${rdLength} does not fit the layout of type ${typeShort(type)}`, 'dns');
  } finally {
    if (tree) rr.text = label + ctx.label;
  }
  if (pkt.info.length < INFO_LIMIT) pkt.appendInfo(` ${typeShort(type)}${flush ? ', cache flush' : ''}${summary ? ' ' + summary : ''}`);
  return rdEnd;
}

// ---------------------------------------------------------------------------------------------
// Record data

/** A name inside record data: read from the message (pointers), but it must end inside the record. */
function rdataName(ctx: Ctx, rd: Buf, at: number): DnsName {
  const name = readName(ctx.msg, ctx.rdOff + at, ctx.bytes);
  if (at + name.used > rd.reportedLength) throw new ReportedBoundsError(`name runs ${at + name.used - rd.reportedLength} bytes past the record data`);
  return name;
}

function addName(ctx: Ctx, parent: Node, def: FieldDef, rd: Buf, at: number): DnsName {
  const name = rdataName(ctx, rd, at);
  noteNameProblems(ctx.pkt, parent.add(def, rd, at, name.used, name.text), name);
  return name;
}

/** A <character-string> (length byte + text), as length and text fields; returns the text. */
function addCharString(parent: Node, lengthDef: FieldDef, textDef: FieldDef, rd: Buf, at: number): string {
  const len = rd.u8(at);
  parent.add(lengthDef, rd, at, 1, len);
  const text = dnsText(rd.bytesAt(at + 1, len));
  parent.add(textDef, rd, at + 1, len, text);
  return text;
}

/** Seconds field with its spelled-out duration: "Refresh Interval: 7200 (2 hours)". */
function addSeconds(ctx: Ctx, parent: Node, def: FieldDef, rd: Buf, at: number): number {
  const v = rd.u32(at);
  const n = parent.add(def, rd, at, 4, v);
  if (ctx.tree) n.suffix = ` (${secondsText(v)})`;
  return v;
}

/** NSEC/NSEC3 type bit maps (RFC 4034 4.1.2): each set bit names a type present at the owner name. */
function addTypeBitmap(ctx: Ctx, rr: Node, rd: Buf, at: number): void {
  const end = rd.reportedLength;
  while (at < end) {
    const window = rd.u8(at);
    const len = rd.u8(at + 1);
    const bits = rd.bytesAt(at + 2, len);
    for (let i = 0; i < len; i++) {
      const byte = bits[i]!;
      if (byte === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if (!(byte & (0x80 >> bit))) continue;
        const type = window * 256 + i * 8 + bit;
        const n = rr.add(hf.respType, rd, at + 2 + i, 1, type);
        if (ctx.tree) n.text = `RR type in bit map: ${typeLongNames.get(type) ?? `Unknown (${type})`}`;
      }
    }
    at += 2 + len;
  }
}

/** EDNS options (RFC 6891 6.1.2) of an OPT record. */
function addOptions(ctx: Ctx, rr: Node, rd: Buf): void {
  const end = rd.reportedLength;
  let at = 0;
  while (at < end) {
    const code = rd.u16(at);
    const len = rd.u16(at + 2);
    const opt = rr.add(hf.opt, rd, at, 4 + len);
    if (ctx.tree) opt.text = `Option: ${optionNames[code] ?? `Unknown (${code})`}`;
    opt.add(hf.optCode, rd, at, 2, code);
    opt.add(hf.optLen, rd, at + 2, 2, len);
    const data = rd.bytesAt(at + 4, len);
    const dataNode = opt.add(hf.optData, rd, at + 4, len, data);
    if (ctx.tree && len === 0) dataNode.suffix = '<MISSING>';
    const d = at + 4;
    if ((code === 8 || code === 20730) && len >= 4) {
      // Client subnet (RFC 7871): family, source and scope prefix lengths, then only the prefix's bytes.
      const family = rd.u16(d);
      opt.add(hf.ecsFamily, rd, d, 2, family);
      opt.add(hf.ecsNetmask, rd, d + 2, 1, rd.u8(d + 2));
      opt.add(hf.ecsScope, rd, d + 3, 1, rd.u8(d + 3));
      const addr = data.subarray(4);
      if (family === 1 && addr.length <= 4) {
        const b = new Uint8Array(4);
        b.set(addr);
        opt.add(hf.ecsAddr4, rd, d + 4, addr.length, ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0);
      } else if (family === 2 && addr.length <= 16) {
        const b = new Uint8Array(16);
        b.set(addr);
        opt.add(hf.ecsAddr6, rd, d + 4, addr.length, b);
      } else {
        const n = opt.add(hf.ecsAddr, rd, d + 4, addr.length, addr);
        if (family === 1 || family === 2) ctx.pkt.addExpert(n, Severity.Error, 'Malformed', 'Length too long for any type of IP address.', 'dns');
      }
    } else if (code >= 5 && code <= 7) {
      const def = code === 5 ? hf.optDau : code === 6 ? hf.optDhu : hf.optN3u;
      for (let i = 0; i < len; i++) opt.add(def, rd, d + i, 1, data[i]!);
    } else if (code === 11 && len === 2) {
      opt.add(hf.optKeepalive, rd, d, 2, rd.u16(d));
    } else if (code === 12) {
      opt.add(hf.optPadding, rd, d, len, data);
    } else if (code === 13 && len > 0) {
      const zero = data.indexOf(0);
      opt.add(hf.optChain, rd, d, len, dnsText(zero < 0 ? data : data.subarray(0, zero)));
    } else if (code === 15 && len >= 2) {
      opt.add(hf.optExtErrorCode, rd, d, 2, rd.u16(d));
      if (len > 2) opt.add(hf.optExtErrorText, rd, d + 2, len - 2, dnsText(data.subarray(2)));
    } else if (code === 10 && len > 0) {
      // Cookie (RFC 7873): an 8-byte client cookie, then the server cookie if the server sent one.
      const clientLength = Math.min(8, len);
      opt.add(hf.cookieClient, rd, d, clientLength, data.subarray(0, clientLength));
      const server = opt.add(hf.cookieServer, rd, d + clientLength, len - clientLength, data.subarray(clientLength));
      if (ctx.tree && len <= 8) server.suffix = '<MISSING>';
    }
    at += 4 + len;
  }
}

/** SVCB/HTTPS parameters (RFC 9460 2.2): key, length, value; a few keys have a known layout. */
function addSvcParams(ctx: Ctx, rr: Node, rd: Buf, at: number): void {
  const end = rd.reportedLength;
  while (at < end) {
    const key = rd.u16(at);
    const len = rd.u16(at + 2);
    const param = rr.add(hf.svcParam, rd, at, 4 + len);
    param.add(hf.svcParamKey, rd, at, 2, key);
    param.add(hf.svcParamLength, rd, at + 2, 2, len);
    const v = at + 4;
    const values: string[] = [];
    rd.check(v, len);
    switch (key) {
      case 0:
        for (let i = 0; i + 2 <= len; i += 2) {
          const k = rd.u16(v + i);
          param.add(hf.svcMandatory, rd, v + i, 2, k);
          values.push(svcParamKeys[k] ?? `key${k}`);
        }
        break;
      case 1:
        for (let i = 0; i < len; ) {
          const s = addCharString(param, hf.svcAlpnLength, hf.svcAlpn, rd, v + i);
          values.push(s);
          i += 1 + rd.u8(v + i);
        }
        break;
      case 3:
        values.push(String(rd.u16(v)));
        param.add(hf.svcPort, rd, v, 2, rd.u16(v));
        break;
      case 4:
        for (let i = 0; i + 4 <= len; i += 4) {
          const a = rd.u32(v + i);
          param.add(hf.svcIpv4, rd, v + i, 4, a);
          values.push(ipv4ToString(a));
        }
        break;
      case 6:
        for (let i = 0; i + 16 <= len; i += 16) {
          const a = rd.bytesAt(v + i, 16);
          param.add(hf.svcIpv6, rd, v + i, 16, a);
          values.push(ipv6ToString(a));
        }
        break;
      case 5:
        param.add(hf.svcEch, rd, v, len, rd.bytesAt(v, len));
        break;
      case 2:
        break;
      default:
        if (len > 0) param.add(hf.svcParamValue, rd, v, len, rd.bytesAt(v, len));
    }
    if (ctx.tree) param.text = `SvcParam: ${svcParamKeys[key] ?? `key${key}`}${values.length ? '=' + values.join(',') : ''}`;
    at = v + len;
  }
}

/**
 * Decodes one record's data into `rr`, sets ctx.label (the label's tail) and returns the Info text
 * that follows the type ("10.0.0.1", "10 mail.example.com", or "" when tshark shows only the type).
 * `rd` ends at RDLENGTH, so reading past it raises ReportedBoundsError, which the caller reports as a
 * record whose length does not fit its type.
 */
function dissectRdata(ctx: Ctx, type: number, rd: Buf, rr: Node, owner: DnsName): string {
  const { pkt } = ctx;
  const end = rd.reportedLength;
  switch (type) {
    case 1: {
      if (end !== 4) return wrongLength(ctx, rr, rd, type, 4);
      const a = rd.u32(0);
      rr.add(hf.a, rd, 0, 4, a);
      const text = ipv4ToString(a);
      ctx.label = `, addr ${text}`;
      return text;
    }
    case 28: {
      if (end !== 16) return wrongLength(ctx, rr, rd, type, 16);
      const a = rd.bytesAt(0, 16);
      rr.add(hf.aaaa, rd, 0, 16, a);
      const text = ipv6ToString(a);
      ctx.label = `, addr ${text}`;
      return text;
    }
    case 2:
    case 5:
    case 12:
    case 39: {
      const def = type === 2 ? hf.ns : type === 5 ? hf.cname : type === 12 ? hf.ptr : hf.dname;
      const name = addName(ctx, rr, def, rd, 0);
      ctx.label = type === 2 ? `, ns ${name.text}` : type === 5 ? `, cname ${name.text}` : type === 12 ? `, ${name.text}` : `, dname ${name.text}`;
      return name.text;
    }
    case 6: {
      const mname = addName(ctx, rr, hf.soaMname, rd, 0);
      ctx.label = `, mname ${mname.text}`;
      const rname = addName(ctx, rr, hf.soaRname, rd, mname.used);
      const at = mname.used + rname.used;
      rr.add(hf.soaSerial, rd, at, 4, rd.u32(at));
      addSeconds(ctx, rr, hf.soaRefresh, rd, at + 4);
      addSeconds(ctx, rr, hf.soaRetry, rd, at + 8);
      addSeconds(ctx, rr, hf.soaExpire, rd, at + 12);
      addSeconds(ctx, rr, hf.soaMinimum, rd, at + 16);
      return mname.text;
    }
    case 10:
      rr.add(hf.nullData, rd, 0, end, rd.bytesAt(0, end));
      return owner.text;
    case 13: {
      const cpu = addCharString(rr, hf.hinfoCpuLength, hf.hinfoCpu, rd, 0);
      const os = addCharString(rr, hf.hinfoOsLength, hf.hinfoOs, rd, 1 + rd.u8(0));
      ctx.label = `, CPU ${cpu}, OS ${os}`;
      return `${cpu} ${os}`;
    }
    case 15: {
      const preference = rd.u16(0);
      rr.add(hf.mxPreference, rd, 0, 2, preference);
      const exchange = addName(ctx, rr, hf.mxExchange, rd, 2);
      ctx.label = `, preference ${preference}, mx ${exchange.text}`;
      return `${preference} ${exchange.text}`;
    }
    case 16:
    case 99: {
      const [lengthDef, textDef] = type === 16 ? [hf.txtLength, hf.txt] : [hf.spfLength, hf.spf];
      for (let at = 0; at < end; at += 1 + rd.u8(at)) addCharString(rr, lengthDef, textDef, rd, at);
      return '';
    }
    case 17: {
      const mailbox = addName(ctx, rr, hf.rpMailbox, rd, 0);
      addName(ctx, rr, hf.rpTxt, rd, mailbox.used);
      return owner.text;
    }
    case 33: {
      const priority = rd.u16(0);
      const weight = rd.u16(2);
      const port = rd.u16(4);
      rr.add(hf.srvPriority, rd, 0, 2, priority);
      rr.add(hf.srvWeight, rd, 2, 2, weight);
      rr.add(hf.srvPort, rd, 4, 2, port);
      const target = addName(ctx, rr, hf.srvTarget, rd, 6);
      ctx.label = `, priority ${priority}, weight ${weight}, port ${port}, target ${target.text}`;
      return `${priority} ${weight} ${port} ${target.text}`;
    }
    case 35: {
      const order = rd.u16(0);
      const preference = rd.u16(2);
      rr.add(hf.naptrOrder, rd, 0, 2, order);
      rr.add(hf.naptrPreference, rd, 2, 2, preference);
      let at = 4;
      const flags = addCharString(rr, hf.naptrFlagsLength, hf.naptrFlags, rd, at);
      at += 1 + rd.u8(at);
      addCharString(rr, hf.naptrServiceLength, hf.naptrService, rd, at);
      at += 1 + rd.u8(at);
      addCharString(rr, hf.naptrRegexLength, hf.naptrRegex, rd, at);
      at += 1 + rd.u8(at);
      const replacement = rdataName(ctx, rd, at);
      rr.addGenerated(hf.naptrReplacementLength, replacement.length, rd, at, replacement.used);
      noteNameProblems(pkt, rr.add(hf.naptrReplacement, rd, at, replacement.used, replacement.text), replacement);
      ctx.label = `, order ${order}, preference ${preference}, flags ${flags}`;
      return `${order} ${preference} ${flags}`;
    }
    case 41:
      addOptions(ctx, rr, rd);
      return '';
    case 43:
    case 59:
      rr.add(hf.dsKeyId, rd, 0, 2, rd.u16(0));
      rr.add(hf.dsAlgorithm, rd, 2, 1, rd.u8(2));
      rr.add(hf.dsDigestType, rd, 3, 1, rd.u8(3));
      rr.add(hf.dsDigest, rd, 4, end - 4, rd.bytesAt(4, end - 4));
      return '';
    case 44:
      rr.add(hf.sshfpAlgorithm, rd, 0, 1, rd.u8(0));
      rr.add(hf.sshfpType, rd, 1, 1, rd.u8(1));
      rr.add(hf.sshfpFingerprint, rd, 2, end - 2, rd.bytesAt(2, end - 2));
      return '';
    case 46: {
      rr.add(hf.rrsigTypeCovered, rd, 0, 2, rd.u16(0));
      rr.add(hf.rrsigAlgorithm, rd, 2, 1, rd.u8(2));
      rr.add(hf.rrsigLabels, rd, 3, 1, rd.u8(3));
      addSeconds(ctx, rr, hf.rrsigOriginalTtl, rd, 4);
      rr.add(hf.rrsigExpiration, rd, 8, 4, [rd.u32(8), 0]);
      rr.add(hf.rrsigInception, rd, 12, 4, [rd.u32(12), 0]);
      rr.add(hf.rrsigKeyTag, rd, 16, 2, rd.u16(16));
      const signer = addName(ctx, rr, hf.rrsigSigner, rd, 18);
      const at = 18 + signer.used;
      rr.add(hf.rrsigSignature, rd, at, end - at, rd.bytesAt(at, end - at));
      return '';
    }
    case 47: {
      const next = addName(ctx, rr, hf.nsecNext, rd, 0);
      ctx.label = `, next domain name ${next.text}`;
      addTypeBitmap(ctx, rr, rd, next.used);
      return next.text;
    }
    case 48:
    case 60: {
      const flags = rd.u16(0);
      const flagsNode = rr.add(hf.dnskeyFlags, rd, 0, 2, flags);
      flagsNode.add(hf.dnskeyZoneKey, rd, 0, 2, bit(flags, 0x0100));
      flagsNode.add(hf.dnskeyRevoked, rd, 0, 2, bit(flags, 0x0080));
      flagsNode.add(hf.dnskeySep, rd, 0, 2, bit(flags, 0x0001));
      flagsNode.add(hf.dnskeyReserved, rd, 0, 2, (flags & 0xfe7e) >> 1);
      rr.add(hf.dnskeyProtocol, rd, 2, 1, rd.u8(2));
      const algorithm = rd.u8(3);
      rr.add(hf.dnskeyAlgorithm, rd, 3, 1, algorithm);
      const all = rd.bytesAt(0, end);
      rr.addGenerated(hf.dnskeyKeyId, keyTag(all, algorithm));
      rr.add(hf.dnskeyPublicKey, rd, 4, end - 4, all.subarray(4));
      return '';
    }
    case 50: {
      rr.add(hf.nsec3Algo, rd, 0, 1, rd.u8(0));
      const flags = rd.u8(1);
      rr.add(hf.nsec3Flags, rd, 1, 1, flags).add(hf.nsec3OptOut, rd, 1, 1, flags & 1);
      rr.add(hf.nsec3Iterations, rd, 2, 2, rd.u16(2));
      const saltLength = rd.u8(4);
      rr.add(hf.nsec3SaltLength, rd, 4, 1, saltLength);
      rr.add(hf.nsec3Salt, rd, 5, saltLength, rd.bytesAt(5, saltLength));
      const at = 5 + saltLength;
      const hashLength = rd.u8(at);
      rr.add(hf.nsec3HashLength, rd, at, 1, hashLength);
      rr.addGenerated(hf.nsec3Hash, base32hex(rd.bytesAt(at + 1, hashLength)), rd, at + 1, hashLength);
      addTypeBitmap(ctx, rr, rd, at + 1 + hashLength);
      return '';
    }
    case 52:
      rr.add(hf.tlsaUsage, rd, 0, 1, rd.u8(0));
      rr.add(hf.tlsaSelector, rd, 1, 1, rd.u8(1));
      rr.add(hf.tlsaMatching, rd, 2, 1, rd.u8(2));
      rr.add(hf.tlsaData, rd, 3, end - 3, rd.bytesAt(3, end - 3));
      return owner.text;
    case 64:
    case 65: {
      rr.add(hf.svcPriority, rd, 0, 2, rd.u16(0));
      const target = addName(ctx, rr, hf.svcTarget, rd, 2);
      addSvcParams(ctx, rr, rd, 2 + target.used);
      return '';
    }
    case 257: {
      const flags = rd.u8(0);
      rr.add(hf.caaFlags, rd, 0, 1, flags).add(hf.caaCritical, rd, 0, 1, bit(flags, 0x80));
      const tagLength = rd.u8(1);
      const tag = rd.latin1(2, tagLength);
      const valueAt = 2 + tagLength;
      const value = dnsText(rd.bytesAt(valueAt, end - valueAt));
      const def = tag === 'issue' ? hf.caaIssue : tag === 'issuewild' ? hf.caaIssueWild : tag === 'iodef' ? hf.caaIodef : hf.caaUnknown;
      const property = rr.add(def, rd, 1, end - 1, value);
      property.add(hf.caaTagLength, rd, 1, 1, tagLength);
      property.add(hf.caaTag, rd, 2, tagLength, tag);
      property.add(hf.caaValue, rd, valueAt, end - valueAt, value);
      return '';
    }
    default: {
      const n = rr.add(hf.data, rd, 0, end, rd.bytesAt(0, end));
      pkt.addExpert(n, Severity.Note, 'Undecoded', `Data of DNS type ${typeShort(type)} is not decoded field by field`, 'dns');
      return '';
    }
  }
}

/** An address record whose length is not the address size: shown as raw data, flagged, not guessed at. */
function wrongLength(ctx: Ctx, rr: Node, rd: Buf, type: number, expected: number): string {
  const n = rr.add(hf.data, rd, 0, rd.reportedLength, rd.bytesAt(0, rd.reportedLength));
  ctx.pkt.addExpert(n, Severity.Error, 'Malformed', `Data length ${rd.reportedLength} is wrong for type ${typeShort(type)} (must be ${expected})`, 'dns');
  return '';
}

// ---------------------------------------------------------------------------------------------
// Transports and registration

/** Over TCP each message is preceded by a 2-byte length (RFC 1035 4.2.2). */
function tcpPduLength(b: Buf, offset: number): number {
  return b.has(offset, 2) ? 2 + b.u16(offset) : NEED_MORE;
}

function dissectTcpPdu(pdu: Buf, pkt: Packet, parent: Node): void {
  const node = pkt.addLayer(dns, parent, pdu, 0, pdu.length);
  const length = pdu.u16(0);
  node.add(hf.length, pdu, 0, 2, length);
  dissectMessage(pdu.sub(2, length), pkt, node, Variant.Dns);
}

function dissectDns(buf: Buf, pkt: Packet, parent: Node, data?: unknown): void {
  if (isStreamData(data) || pkt.transport === 'tcp') {
    dissectPdus(buf, pkt, parent, data, tcpPduLength, (pdu, p, par) => callDissector(tcpPdu, pdu, p, par), undefined, TCP_PDUS);
    return;
  }
  dissectMessage(buf, pkt, pkt.addLayer(dns, parent, buf, 0, buf.length), Variant.Dns);
}

function dissectMdns(buf: Buf, pkt: Packet, parent: Node): void {
  dissectMessage(buf, pkt, pkt.addLayer(mdns, parent, buf, 0, buf.length), Variant.Mdns);
}

function dissectLlmnr(buf: Buf, pkt: Packet, parent: Node): void {
  dissectMessage(buf, pkt, pkt.addLayer(llmnr, parent, buf, 0, buf.length), Variant.Llmnr);
}

const direction = (name: string) => (n: Node) => {
  const flags = n.childValue(hf.flags);
  return flags === undefined ? name : `${name} (${(flags as number) & 0x8000 ? 'response' : 'query'})`;
};

export const dns = protocol('dns', 'Domain Name System', 'DNS',
  'Turns names into addresses and other records: a client asks a question, a server answers with resource records.',
  dissectDns, direction('Domain Name System'));
export const mdns = protocol('mdns', 'Multicast Domain Name System', 'MDNS',
  'DNS messages multicast on the local link (port 5353) so hosts can find each other and their services without a server.',
  dissectMdns, direction('Multicast Domain Name System'));
export const llmnr = protocol('llmnr', 'Link-local Multicast Name Resolution', 'LLMNR',
  'Windows\' local-link name lookup (port 5355): DNS-format questions multicast to the neighbours, answered by the host that owns the name.',
  dissectLlmnr, direction('Link-local Multicast Name Resolution'));

/** One PDU's exceptions mark that PDU only; the next PDU in the segment is still dissected. */
const tcpPdu: Protocol = { abbrev: 'dns', short: 'DNS', field: dns.field, dissect: dissectTcpPdu };

/** One DNS message as a body (DNS over HTTPS, RFC 8484: media type application/dns-message), no length prefix. */
const dnsMessageBody: Protocol = {
  abbrev: 'dns', short: 'DoH', field: dns.field,
  dissect: (buf, pkt, parent) => dissectMessage(buf, pkt, pkt.addLayer(dnsMessageBody, parent, buf, 0, buf.length), Variant.Dns),
};

const HOSTNAME_CHAR = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  HOSTNAME_CHAR[c] = /[A-Za-z0-9_*-]/.test(ch) ? 1 : 0;
}
const HEURISTIC_CLASSES = new Set([1, 3, 4, 254, 255]);
const HEURISTIC_MAX_RECORDS = 64;

/**
 * Is this UDP payload (on a port nobody claimed) a whole DNS message? Only messages a real resolver
 * sends pass: one question with a host-name-like name, a known type and class, opcode query/notify/
 * update, the Z bit clear, few records, every record inside the datagram and nothing after the last.
 * Random or encrypted payloads (OpenVPN, QUIC...) fail within the first few checks; NetBIOS name
 * service messages, which share the format, are recognised by their encoded names and left alone.
 */
export function looksLikeDns(b: Buf): boolean {
  const n = b.length;
  if (n !== b.reportedLength || n < 17) return false;
  const flags = b.u16(2);
  const opcode = (flags >> 11) & 0xf;
  if (flags & 0x0040 || (opcode !== 0 && opcode !== 4 && opcode !== 5)) return false;
  if (b.u16(4) !== 1) return false;
  const an = b.u16(6);
  const ns = b.u16(8);
  const ar = b.u16(10);
  if (an + ns + ar > HEURISTIC_MAX_RECORDS || 17 + 11 * (an + ns + ar) > n) return false;
  if (flags & 0x8000) {
    if ((flags & 0xf) > 10) return false;
  } else if (flags & 0x048f || (opcode === 0 && an !== 0)) {
    return false; // a query has no AA, RA or RCODE, and a standard query no answers
  }
  let at = 12;
  let chars = 0;
  for (;;) {
    const len = b.u8(at);
    if (len === 0) break;
    if (len > 63 || at + 1 + len >= n) return false;
    for (let i = 1; i <= len; i++) if (!HOSTNAME_CHAR[b.u8(at + i)]) return false;
    chars += len + 1;
    if (chars > 254) return false;
    at += 1 + len;
  }
  if (at === 12 || at + 5 > n || isNetbiosName(b)) return false;
  const qtype = b.u16(at + 1);
  if (qtype === 0 || qtype === 41 || !typeShortNames.has(qtype) || !HEURISTIC_CLASSES.has(b.u16(at + 3))) return false;
  at += 5;
  for (let i = 0; i < an + ns + ar; i++) {
    // Owner names: labels, then a root byte or a pointer back into the message body.
    for (;;) {
      if (at >= n) return false;
      const len = b.u8(at);
      if (len === 0) {
        at++;
        break;
      }
      if ((len & 0xc0) === 0xc0) {
        if (at + 2 > n) return false;
        const target = ((len & 0x3f) << 8) | b.u8(at + 1);
        if (target < 12 || target >= at) return false;
        at += 2;
        break;
      }
      if (len > 63) return false;
      at += 1 + len;
    }
    if (at + 10 > n) return false;
    at += 10 + b.u16(at + 8);
    if (at > n) return false;
  }
  return at === n;
}

/** NetBIOS name service (port 137) uses DNS's message format with a first label of 32 letters A-P (RFC 1002 4.1). */
function isNetbiosName(b: Buf): boolean {
  if (b.u8(12) !== 32) return false;
  for (let i = 13; i < 45; i++) {
    const c = b.u8(i);
    if (c < 0x41 || c > 0x50) return false;
  }
  return true;
}

function heuristicDns(buf: Buf, pkt: Packet, parent: Node, data?: unknown): boolean {
  if (!looksLikeDns(buf)) return false;
  dissectDns(buf, pkt, parent, data);
  return true;
}

export function register(): void {
  table('udp.port').add(53, dns).add(5353, mdns).add(5355, llmnr).addHeuristic(dns, heuristicDns);
  table('tcp.port').add(53, dns).add(5353, dns);
  // Inside decrypted TLS: DNS over TLS (RFC 7858: port 853, ALPN "dot", TCP's length prefix) and
  // DNS over HTTPS (RFC 8484: a message as the body of an HTTP request or response).
  table('tls.port').add(853, dns);
  table('tls.alpn').add('dot', dns);
  table('media_type').add('application/dns-message', dnsMessageBody);
}
