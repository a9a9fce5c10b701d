// Tiny HTTP/1.1 server used by make-http.sh to produce samples/http.pcap, and over TLS by
// make-https.sh for samples/https.pcap.
// Usage: node http-server.mjs PORT [PORT...]  (listens on all addresses, v4+v6)
//        node http-server.mjs --tls CERT KEY [--no-etm] PORT [PORT...]
//          HTTPS with TLS 1.2 and 1.3 and the cipher suites the client asks for (GCM, ChaCha20,
//          CBC); --no-etm refuses TLS 1.2's encrypt-then-MAC extension, so CBC records are MAC'd first.
// Responses are deterministic: no Date header, fixed bodies.
import { constants } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const INDEX = `<!DOCTYPE html>
<html>
<head><title>vpnscope sample</title><link rel="stylesheet" href="/style.css"></head>
<body>
<h1>vpnscope sample page</h1>
<p>This page is served by samples/http-server.mjs for the HTTP capture.</p>
</body>
</html>
`;
const STYLE = 'body { font-family: sans-serif; }\nh1 { color: #235; }\n';

// 256 KiB of numbered text lines (64 bytes each), served with Content-Length.
function bigBody() {
  const lines = [];
  for (let i = 0; i < 4096; i++) {
    const head = `line ${String(i).padStart(5, '0')} `;
    lines.push(head + 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.slice(0, 63 - head.length) + '\n');
  }
  return Buffer.from(lines.join(''));
}
const BIG = bigBody();

function send(res, status, type, body) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': buf.length });
  res.end(buf);
}

function handler(req, res) {
  res.sendDate = false;
  res.setHeader('Server', 'vpnscope-sample/1.0');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const path = req.url.split('?')[0];
    if (req.method === 'GET' && (path === '/' || path === '/index.html')) {
      return send(res, 200, 'text/html; charset=utf-8', INDEX);
    }
    if (req.method === 'GET' && path === '/style.css') return send(res, 200, 'text/css', STYLE);
    if (req.method === 'GET' && path === '/hello.txt') return send(res, 200, 'text/plain', 'hello from vpnscope\n');
    if (req.method === 'GET' && path === '/big.txt') return send(res, 200, 'text/plain', BIG);
    if (req.method === 'GET' && path === '/medium.txt') return send(res, 200, 'text/plain', BIG.subarray(0, 40960));
    if (req.method === 'GET' && path === '/chunked') {
      // No Content-Length: node sends Transfer-Encoding: chunked.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const parts = ['first chunk\n', 'second chunk, a little longer\n', 'third and last chunk\n'];
      let i = 0;
      const next = () => {
        if (i < parts.length) { res.write(parts[i++]); setTimeout(next, 20); } else res.end();
      };
      return next();
    }
    if (req.method === 'POST' && path === '/form') {
      const fields = Object.fromEntries(new URLSearchParams(body));
      return send(res, 200, 'application/json', JSON.stringify({ received: fields }) + '\n');
    }
    if (req.method === 'POST' && path === '/api/echo') {
      let parsed;
      try { parsed = JSON.parse(body); } catch { return send(res, 400, 'text/plain', 'bad json\n'); }
      return send(res, 201, 'application/json', JSON.stringify({ echo: parsed, length: body.length }) + '\n');
    }
    return send(res, 404, 'text/html; charset=utf-8',
      `<!DOCTYPE html>\n<html><body><h1>404 Not Found</h1><p>${path}</p></body></html>\n`);
  });
}

const args = process.argv.slice(2);
let tls = null;
if (args[0] === '--tls') {
  const noEtm = args[3] === '--no-etm';
  tls = {
    cert: fs.readFileSync(args[1]),
    key: fs.readFileSync(args[2]),
    minVersion: 'TLSv1.2',
    ciphers: 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:' +
      'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA:AES256-GCM-SHA384',
    secureOptions: noEtm ? constants.SSL_OP_NO_ENCRYPT_THEN_MAC : 0,
    ALPNProtocols: ['http/1.1'],
  };
  args.splice(0, noEtm ? 4 : 3);
}
const ports = args.map(Number);
if (ports.length === 0) ports.push(tls ? 443 : 80);
let pending = ports.length;
for (const port of ports) {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  server.keepAliveTimeout = 5000;
  server.listen({ port, host: '::', ipv6Only: false }, () => {
    if (--pending === 0) console.log(`listening on ${ports.join(',')}`);
  });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
