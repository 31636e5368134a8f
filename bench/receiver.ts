import { createServer } from 'node:http';

// A minimal receiver for benchmarks, run as its own process so it does not share Herald's event loop.
// Answers 200 to everything and prints its port on stdout; counts requests, reported on SIGUSR2.

let received = 0;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    received += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(typeof address === 'object' && address ? address.port : 0);
});
process.on('SIGUSR2', () => console.error(`received ${received}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
