// Type-checked with @types/node: toNodeListener's listener is a `node:http` request listener, and
// takes what Express and Fastify hand over (their `req`/`res` are node's, extended).
import http from 'node:http';
import worker, { createTokenHandler, toNodeListener } from 'acs-identity/worker';

const listener = toNodeListener(createTokenHandler({ env: process.env, basePath: '/api/acs' }));
const server: http.Server = http.createServer(listener);
http.createServer(toNodeListener(worker, { env: process.env }));
server.on('request', listener);

// Express-shaped: node's request with originalUrl and a parsed body; Fastify: request.raw / reply.raw.
interface ExpressLikeRequest extends http.IncomingMessage {
  originalUrl: string;
  body?: unknown;
}
declare const expressReq: ExpressLikeRequest;
declare const rawRes: http.ServerResponse;
listener(expressReq, rawRes);
declare const fastifyRequest: { raw: http.IncomingMessage };
declare const fastifyReply: { raw: http.ServerResponse; hijack(): void };
fastifyReply.hijack();
listener(fastifyRequest.raw, fastifyReply.raw);
