import { createServer } from 'node:http';

// A minimal receiver for benchmarks, run as its own process so it does not share Herald's event loop.
// Answers 200 to everything and prints its port on stdout.
//   --body-bytes N   answer with N bytes of body instead of `{"ok":true}` (scenario 7: 5 MiB)
// When a request carries `webhook-id`, the wall-clock time its head arrived (fractional ms, comparable
// across processes on one machine) is kept; `GET /__arrivals` returns them as [[id, ms], …] and forgets them.
// `POST /__accept` answers 202 at once: the bare-HTTP baseline of the ingest scenario.

const bodyArg = process.argv.indexOf('--body-bytes');
const bodyBytes = bodyArg === -1 ? 0 : Number(process.argv[bodyArg + 1]);
const body = bodyBytes > 0 ? Buffer.alloc(bodyBytes, 'x') : Buffer.from('{"ok":true}');
const wallClock = () => performance.timeOrigin + performance.now();

let arrivals: Array<[string, number]> = [];
const server = createServer((request, response) => {
  const at = wallClock();
  const id = request.headers['webhook-id'];
  if (typeof id === 'string') arrivals.push([id, at]);
  if (request.url === '/__arrivals') {
    const sent = arrivals;
    arrivals = [];
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(sent));
    return;
  }
  request.resume();
  request.on('end', () => {
    if (request.url === '/__accept') {
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end('{"accepted":true}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(typeof address === 'object' && address ? address.port : 0);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
