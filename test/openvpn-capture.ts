/** Reads a capture file and dissects every frame in one session, for the OpenVPN tests. */
import { openCapture } from '../src/capture/open.js';
import type { Frame } from '../src/capture/frame.js';
import { Session, type SessionOptions } from '../src/engine/session.js';
import type { Packet } from '../src/engine/packet.js';
import './util.js';

export async function readFrames(path: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  await openCapture(path).run((f) => {
    frames.push({ ...f, bytes: f.bytes.slice() });
  });
  return frames;
}

export async function dissectCapture(path: string, opts: SessionOptions = {}): Promise<Packet[]> {
  const frames = await readFrames(path);
  const session = new Session({ buildTree: true, ...opts });
  return frames.map((f) => session.dissect(f));
}
