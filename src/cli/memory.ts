/**
 * Keeps the heap close to what is really live. A capture's long-lived state (conversations,
 * reassembly) is small, but V8 lets its old generation fill with promoted garbage up to a limit sized
 * for much larger programs before collecting it, which made resident memory grow with the file.
 * Every few thousand frames the guard checks the heap and, once it holds more than twice what the
 * last full collection left alive (at least `floorBytes`), runs a full collection. Measured on the
 * benchmark capture (~15 MB live): about one collection per 100,000 frames when trees are built.
 */
import { v8, vm } from '../engine/builtins.js';

const CHECK_EVERY = 4096;

export class HeapGuard {
  /** The collector, fetched the first time it is needed (making a context costs start-up time). */
  private collect: (() => void) | null | undefined = undefined;
  private frames = 0;
  private limit: number;

  constructor(private readonly floorBytes = 48 * 1024 * 1024) {
    this.limit = floorBytes;
  }

  /** Called once per frame. */
  tick(): void {
    if (++this.frames < CHECK_EVERY) return;
    this.frames = 0;
    if (v8().getHeapStatistics().used_heap_size < this.limit) return;
    const collect = (this.collect ??= collector());
    if (!collect) return;
    collect();
    this.limit = Math.max(this.floorBytes, 2 * v8().getHeapStatistics().used_heap_size);
  }
}

/** V8's full collection as a function, or null where it cannot be had. */
function collector(): (() => void) | null {
  try {
    // The collector is not exposed to scripts by default; the flag exposes it to new contexts.
    v8().setFlagsFromString('--expose-gc');
    const gc: unknown = vm().runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}
