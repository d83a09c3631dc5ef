/**
 * Calls on a connection's close, with one 'close' listener a socket however many requests
 * wait on it: pipelined requests each adding their own went past Node's 10 and logged a
 * MaxListenersExceededWarning (plain text in a JSON log). A pipelined response whose
 * client left never emits 'close' itself, so what waits on it waits on its socket too.
 */
const waiting = new WeakMap<object, Set<() => void>>();

/** Calls `fn` when `socket` closes; returns the call's remover. */
export function onSocketClose(socket: NodeJS.EventEmitter, fn: () => void): () => void {
  let calls = waiting.get(socket);
  if (!calls) {
    const set = (calls = new Set());
    waiting.set(socket, set);
    socket.once('close', () => {
      for (const f of [...set]) f();
      set.clear();
    });
  }
  calls.add(fn);
  return () => calls.delete(fn);
}
