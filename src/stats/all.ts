/** Every built-in statistic, registered in one place. */
import { registerStat } from './index.js';
import { ProtocolHierarchy } from './phs.js';
import { Conversations, Endpoints } from './conv.js';
import { ExpertInfos, severityLevel } from './expert.js';
import { DnsTree } from './dns.js';
import { HttpTree } from './http.js';
import { OpenvpnSessions } from './openvpn.js';
import { FollowStream, followArgs } from './follow.js';

let done = false;

export function registerStats(): void {
  if (done) return;
  done = true;
  registerStat('io,phs', (s) => new ProtocolHierarchy(s));
  registerStat('conv', (s) => new Conversations(s), 1);
  registerStat('endpoints', (s) => new Endpoints(s), 1);
  registerStat('expert', (s) => new ExpertInfos(s), (after) => (severityLevel(after[0] ?? '') ? 1 : 0));
  registerStat('dns,tree', (s) => new DnsTree(s));
  registerStat('http,tree', (s) => new HttpTree(s));
  registerStat('openvpn', (s) => new OpenvpnSessions(s), 1);
  registerStat('follow', (s) => new FollowStream(s), followArgs);
}
