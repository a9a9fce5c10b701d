// HTTP/2 server (TLS, ALPN h2) used by make-http2.sh to produce samples/http2.pcap.
// Usage: node http2-server.mjs CERT KEY PORT
// Responses are deterministic: no date header, fixed bodies.
import fs from 'node:fs';
import http2 from 'node:http2';

const [cert, key, port] = process.argv.slice(2);
const INDEX = '<!DOCTYPE html>\n<html><body><h1>vpnscope over HTTP/2</h1></body></html>\n';
const server = http2.createSecureServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) });
server.on('stream', (stream, headers) => {
  const found = headers[':path'] === '/';
  stream.respond({ ':status': found ? 200 : 404, 'content-type': found ? 'text/html; charset=utf-8' : 'text/plain', server: 'vpnscope-sample/1.0' },
    { sendDate: false });
  stream.end(found ? INDEX : 'not here\n');
});
server.listen({ port: Number(port), host: '::', ipv6Only: false }, () => console.log(`listening on ${port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
