/**
 * Every protocol module, registered in one place. Each module declares its fields and protocol on
 * import; `register()` attaches it to its parents' dissector tables.
 */
import * as frame from './frame.js';
import * as udp from './udp.js';

const modules: { register(): void }[] = [
  frame,
  udp,
];

let done = false;

export function registerAll(): void {
  if (done) return;
  done = true;
  for (const m of modules) m.register();
}
