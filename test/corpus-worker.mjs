// Runs every capture named on the command line through the whole pipeline (read, dissect, render as
// summary, tree and JSON) and reports one line per file. Used by robustness.test.ts in a child
// process so a hang can be detected and pinned on a file.
import { openCapture } from '../dist/capture/open.js';
import { CaptureFormatError } from '../dist/capture/frame.js';
import { Session } from '../dist/engine/session.js';
import { registerAll } from '../dist/protocols/index.js';
import { writeSummaryLine, writeTree, writeHexDump } from '../dist/render/text.js';
import { writePacketNdjson } from '../dist/render/json.js';

/** Takes rendered bytes the way the CLI's output does, and forgets them after each packet. */
const sink = {
  buf: Buffer.allocUnsafe(1 << 20),
  used: 0,
  reserve(n) {
    if (this.used + n > this.buf.length) this.used = 0;
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  },
};

registerAll();
const files = process.argv.slice(2);
let peakRss = 0;
for (const file of files) {
  process.stdout.write(`START\t${file}\n`);
  const started = Date.now();
  const session = new Session({ buildTree: true });
  let frames = 0;
  let outcome = 'ok';
  try {
    const source = openCapture(file);
    await source.run((frame) => {
      frames++;
      const pkt = session.dissect(frame);
      // A dissector exception is caught and shown as "Dissector bug" on that packet: report it.
      for (const e of pkt.experts) if (e.message.startsWith('Dissector bug')) process.stdout.write(`BUG\t${file}\t#${pkt.number}: ${e.message.replace(/[\t\n]/g, ' ')}\n`);
      sink.used = 0;
      writeSummaryLine(pkt, { timeDecimals: 6 }, sink);
      writeTree(pkt, { explain: true }, sink);
      writeHexDump(pkt, sink);
      writePacketNdjson(pkt, sink);
    });
    if (source.truncatedAt !== undefined) outcome = `truncated@${source.truncatedAt}`;
  } catch (e) {
    if (e instanceof CaptureFormatError) outcome = `not-a-capture: ${e.message}`;
    else {
      process.stdout.write(`FAIL\t${file}\t${(e && e.stack) || e}\n`.replace(/\n(?!$)/g, ' | '));
      continue;
    }
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  process.stdout.write(`DONE\t${file}\t${frames}\t${Date.now() - started}\t${outcome}\n`);
}
process.stdout.write(`PEAK\t${Math.round(peakRss / 1048576)}\n`);
