/**
 * Every protocol module, registered in one place. Each module declares its fields and protocol on
 * import; `register()` attaches it to its parents' dissector tables.
 */
import * as frame from './frame.js';
import * as eth from './eth.js';
import * as sll from './sll.js';
import * as nflog from './nflog.js';
import * as esp from './esp.js';
import * as wireguard from './wireguard.js';
import * as isakmp from './isakmp.js';
import * as chdlc from './chdlc.js';
import * as nullLoopback from './null.js';
import * as ipnet from './ipnet.js';
import * as arcnet from './arcnet.js';
import * as cmd from './cmd.js';
import * as pppcp from './pppcp.js';
import * as pppoe from './pppoe.js';
import * as pptp from './pptp.js';
import * as rawip from './rawip.js';
import * as arp from './arp.js';
import * as ip from './ip.js';
import * as ipv6 from './ipv6.js';
import * as icmp from './icmp.js';
import * as icmpv6 from './icmpv6.js';
import * as udp from './udp.js';
import * as tcp from './tcp.js';
import * as dns from './dns.js';
import * as openvpn from './openvpn.js';
import * as http from './http.js';
import * as tls from './tls.js';
import * as ssh from './ssh.js';
import * as http2 from './http2.js';
import * as json from './json.js';
import * as websocket from './websocket.js';
import * as vxlan from './vxlan.js';
import * as gre from './gre.js';
import * as geneve from './geneve.js';
import * as ppp from './ppp.js';
import * as mpls from './mpls.js';
import * as erspan from './erspan.js';

const modules: { register(): void }[] = [
  frame,
  eth,
  sll,
  nflog,
  esp,
  wireguard,
  isakmp,
  chdlc,
  nullLoopback,
  ipnet,
  arcnet,
  cmd,
  pppcp,
  pppoe,
  pptp,
  rawip,
  arp,
  ip,
  ipv6,
  icmp,
  icmpv6,
  udp,
  tcp,
  dns,
  openvpn,
  http,
  json,
  websocket,
  tls,
  ssh,
  http2,
  vxlan,
  gre,
  geneve,
  ppp,
  mpls,
  erspan,
];

let done = false;

export function registerAll(): void {
  if (done) return;
  done = true;
  for (const m of modules) m.register();
}
