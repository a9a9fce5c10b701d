/** Every built-in statistic, registered in one place. */
import { registerStat } from './index.js';
import { ProtocolHierarchy } from './phs.js';
import { Conversations, Endpoints } from './conv.js';
import { ExpertInfos } from './expert.js';
import { OpenvpnSessions } from './openvpn.js';

let done = false;

export function registerStats(): void {
  if (done) return;
  done = true;
  registerStat('io,phs', (s) => new ProtocolHierarchy(s));
  registerStat('conv', (s) => new Conversations(s));
  registerStat('endpoints', (s) => new Endpoints(s));
  registerStat('expert', (s) => new ExpertInfos(s));
  registerStat('openvpn', (s) => new OpenvpnSessions(s));
}
