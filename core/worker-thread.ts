/**
 * The life of a helper thread (node:worker_threads) that a feature keeps beside the event
 * loop — the put parse workers, the chunk encode worker: started so that it does not keep
 * the process alive, watched for its death, and stopped without an error escaping.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** What startWorkerThread starts. */
export interface WorkerThreadSpec<M> {
  /** what the thread is, for the reason of its death ("put parse worker") */
  name: string;
  /** the compiled module the thread runs */
  file: string;
  workerData: unknown;
  resourceLimits: ResourceLimits;
  /** each message the thread posts */
  onMessage: (message: M) => void;
  /** once, when the thread throws or exits on its own */
  onDeath: (reason: Error) => void;
}

/**
 * Starts a worker thread, unref'ed (an idle thread does not hold the process open: the
 * owner ref()s it while jobs wait). `onDeath` is called once, with the reason, when the
 * thread throws or exits on its own (a crash, an out-of-memory end, `process.exit` on it);
 * by then the thread's listeners are gone and a later error event is swallowed. The owner
 * then falls back or starts another.
 */
export function startWorkerThread<M>(spec: WorkerThreadSpec<M>): Worker {
  const worker = new Worker(spec.file, { workerData: spec.workerData, resourceLimits: spec.resourceLimits });
  worker.on('message', spec.onMessage);
  // after the listener: adding a 'message' listener refs the thread's port again
  worker.unref();
  let dead = false;
  const died = (reason: Error): void => {
    if (dead) return;
    dead = true;
    detach(worker);
    spec.onDeath(reason);
  };
  worker.on('error', died);
  worker.on('exit', (code) => died(new Error(`${spec.name} exited with code ${code}`)));
  return worker;
}

/** Stops a thread from startWorkerThread: no more messages or death calls, and an error racing its end is swallowed. */
export async function stopWorkerThread(worker: Worker): Promise<void> {
  detach(worker);
  await worker.terminate();
}

function detach(worker: Worker): void {
  worker.removeAllListeners();
  worker.on('error', () => {}); // an error racing the end must not become an uncaught exception
}
