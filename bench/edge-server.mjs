// The ready token endpoint (`export default` of acs-identity/worker) served as a user hosts it in
// Node (`http.createServer(toNodeListener(...))`), Deno (`Deno.serve`) or Bun (`Bun.serve`), on a
// free loopback port. Usage: <runtime> edge-server.mjs '<env json>'; prints `{"port":N}` once
// listening and serves until killed.
import worker, { toNodeListener } from 'acs-identity/worker';

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const env = JSON.parse(args[0]);
const fetchHandler = (request) => worker.fetch(request, env);

let port;
if (globalThis.Deno) {
  port = await new Promise((resolve) => Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: (a) => resolve(a.port) }, fetchHandler));
} else if (globalThis.Bun) {
  port = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: fetchHandler }).port;
} else {
  const http = await import('node:http');
  const server = http.createServer(toNodeListener(worker, { env }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = server.address().port;
}
console.log(JSON.stringify({ port }));
