// HTTP/2 server (TLS, ALPN h2) used by make-http2.sh to produce samples/http2.pcap, and by
// make-doh.sh as a DNS-over-HTTPS server (RFC 8484) for samples/doh.pcap.
// Usage: node http2-server.mjs CERT KEY PORT
// Responses are deterministic: no date header, fixed bodies. POST /dns-query answers every A
// question with 10.55.0.1 and every other question with no answer.
import fs from 'node:fs';
import http2 from 'node:http2';
import { createRequire } from 'node:module';

const dnsPacket = createRequire(import.meta.url)('dns-packet');

const [cert, key, port] = process.argv.slice(2);
const INDEX = '<!DOCTYPE html>\n<html><body><h1>vpnscope over HTTP/2</h1></body></html>\n';
const server = http2.createSecureServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) });
server.on('stream', (stream, headers) => {
  if (headers[':path'] === '/dns-query' && headers[':method'] === 'POST') {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const query = dnsPacket.decode(Buffer.concat(chunks));
      const answers = query.questions.filter((q) => q.type === 'A').map((q) => ({ type: 'A', name: q.name, ttl: 300, data: '10.55.0.1' }));
      const reply = dnsPacket.encode({ id: query.id, type: 'response', flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: query.questions, answers });
      stream.respond({ ':status': 200, 'content-type': 'application/dns-message', 'content-length': reply.length }, { sendDate: false });
      stream.end(reply);
    });
    return;
  }
  const found = headers[':path'] === '/';
  stream.respond({ ':status': found ? 200 : 404, 'content-type': found ? 'text/html; charset=utf-8' : 'text/plain', server: 'vpnscope-sample/1.0' },
    { sendDate: false });
  stream.end(found ? INDEX : 'not here\n');
});
server.listen({ port: Number(port), host: '::', ipv6Only: false }, () => console.log(`listening on ${port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
