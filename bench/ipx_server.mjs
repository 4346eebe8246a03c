// ipx (sharp) on loopback for the benchmarks: IPX_ROOT, IPX_PORT, IPX_PROCESSES (node:cluster).
// Copied next to bench/.cache/ipx/node_modules by bench/peers.py so that `import "ipx"` resolves.
import cluster from "node:cluster";
import { createServer } from "node:http";
import { createIPX, createIPXNodeServer, ipxFSStorage } from "ipx";

const root = process.env.IPX_ROOT;
const port = Number(process.env.IPX_PORT);
const processes = Number(process.env.IPX_PROCESSES || 1);

if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers)) worker.kill("SIGTERM");
    process.exit(0);
  });
} else {
  const ipx = createIPX({ storage: ipxFSStorage({ dir: root }) });
  createServer(createIPXNodeServer(ipx)).listen(port, "127.0.0.1");
}
