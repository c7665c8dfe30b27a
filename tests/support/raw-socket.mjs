// Raw bytes to a loopback port, for the hostile-HTTP suites: what came back, and how it ended.
import net from 'node:net';

/**
 * Writes `payload` on a fresh connection to 127.0.0.1:`port` and collects the answer until the
 * peer closes it, an error, or `timeoutMs`.
 * @returns {Promise<{ data: string, how: 'closed' | 'error' | 'timeout' }>}
 */
export function rawSocket(port, payload, { endAfterWrite = false, timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const done = (how) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data, how });
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.on('data', (d) => (data += d));
    socket.on('close', () => done('closed'));
    socket.on('error', () => done('error'));
    socket.on('connect', () => {
      socket.write(payload);
      if (endAfterWrite) socket.end();
    });
  });
}
