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

/**
 * Sends the request `head` (ending in a blank line, with `transfer-encoding: chunked`) and then an
 * endless chunked body, `chunkSize` bytes a chunk, until `answered(data)` says the peer answered,
 * it closes the connection, an error, or more than `limit` bytes were sent ('gave up').
 * @returns {Promise<{ data: string, how: 'answered' | 'closed' | 'error' | 'gave up', sent: number }>}
 */
export function endlessChunkedBody(port, head, { chunkSize, limit, answered }) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let sent = 0;
    let timer;
    const finish = (how) => {
      clearInterval(timer);
      socket.destroy();
      resolve({ data, how, sent });
    };
    socket.on('data', (d) => {
      data += d;
      if (answered(data)) finish('answered');
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('error'));
    socket.on('connect', () => {
      socket.write(head);
      const chunk = `${chunkSize.toString(16)}\r\n${'a'.repeat(chunkSize)}\r\n`;
      timer = setInterval(() => {
        if (sent > limit) return finish('gave up');
        if (!socket.destroyed) socket.write(chunk);
        sent += chunkSize;
      }, 1);
    });
  });
}
