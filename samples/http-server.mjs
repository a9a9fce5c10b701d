// Tiny HTTP/1.1 server used by make-http.sh to produce samples/http.pcap.
// Usage: node http-server.mjs PORT [PORT...]  (listens on all addresses, v4+v6)
// Responses are deterministic: no Date header, fixed bodies.
import http from 'node:http';

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

const ports = process.argv.slice(2).map(Number);
if (ports.length === 0) ports.push(80);
let pending = ports.length;
for (const port of ports) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 5000;
  server.listen({ port, host: '::', ipv6Only: false }, () => {
    if (--pending === 0) console.log(`listening on ${ports.join(',')}`);
  });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
