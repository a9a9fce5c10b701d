/**
 * Keeps the heap close to what is really live. A capture's long-lived state (conversations,
 * reassembly) is small, but V8 lets its old generation fill with promoted garbage up to a limit sized
 * for much larger programs before collecting it, which made resident memory grow with the file.
 * Every few thousand frames the guard checks the heap and, once it holds more than twice what the
 * last full collection left alive (at least `floorBytes`), runs a full collection. With ~15 MB live
 * that is one short collection every few hundred thousand frames.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

const CHECK_EVERY = 4096;

export class HeapGuard {
  private readonly collect: (() => void) | null;
  private frames = 0;
  private limit: number;

  constructor(private readonly floorBytes = 48 * 1024 * 1024) {
    this.limit = floorBytes;
    let collect: (() => void) | null = null;
    try {
      // The collector is not exposed to scripts by default; the flag exposes it to new contexts.
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
    this.collect = typeof collect === 'function' ? collect : null;
  }

  /** Called once per frame. */
  tick(): void {
    if (++this.frames < CHECK_EVERY || !this.collect) return;
    this.frames = 0;
    if (v8.getHeapStatistics().used_heap_size < this.limit) return;
    this.collect();
    this.limit = Math.max(this.floorBytes, 2 * v8.getHeapStatistics().used_heap_size);
  }
}
