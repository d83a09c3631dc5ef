/**
 * What a helper thread runs (helper-threads.ts): each attach message names a service
 * module and brings its port; the module's serveHelper serves the feature over that port.
 * A module that does not load, or whose serveHelper throws, fails its own service (a
 * SERVICE_FAILED message, then its port closes), not the thread and its other services.
 */
import { parentPort } from 'node:worker_threads';
import { SERVICE_FAILED, type AttachMessage, type HelperServiceModule } from './helper-threads';

if (parentPort) {
  parentPort.on('message', ({ file, data, port }: AttachMessage) => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const service = require(file) as Partial<HelperServiceModule>;
      if (typeof service.serveHelper !== 'function') throw new Error(`${file} exports no serveHelper`);
      service.serveHelper(port, data);
    } catch (err) {
      port.postMessage({ [SERVICE_FAILED]: err instanceof Error ? err.message : String(err) });
      port.close();
    }
  });
}
