#!/usr/bin/env node
/**
 * Prints `count` (default 1) distinct TCP ports free on 127.0.0.1 now, one per line, for
 * test servers that bind them later (HBase, the OpenTSDB oracle, MariaDB, CouchDB).
 *
 * Why not port 0's answer: that port comes from the kernel's ephemeral range, which every
 * outgoing connection also draws its local port from. A JVM that boots for half a minute
 * while the tests open thousands of connections found its REST port taken ("Address already
 * in use"). Ports are drawn at random below that range (net.ipv4.ip_local_port_range), where
 * the kernel never assigns one on its own, and each is checked by binding it.
 */
const fs = require('node:fs');
const net = require('node:net');

function ephemeralStart() {
  try {
    const [low] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > 12000) return low;
  } catch {
    // not Linux: IANA's dynamic range starts at 49152
  }
  return 32768;
}

function bindable(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function main() {
  const count = Number(process.argv[2] ?? 1);
  const low = 10000;
  const high = ephemeralStart();
  const chosen = new Set();
  for (let tries = 0; chosen.size < count; tries++) {
    if (tries > 10000) throw new Error(`no free port found in [${low}, ${high})`);
    const port = low + Math.floor(Math.random() * (high - low));
    if (!chosen.has(port) && (await bindable(port))) chosen.add(port);
  }
  process.stdout.write([...chosen].join('\n') + '\n');
}

main().catch((err) => {
  process.stderr.write(`free-port: ${err.message}\n`);
  process.exit(1);
});
