import net from "node:net";

/** The only address anything of the standalone cluster listens on. */
export const LOOPBACK = "127.0.0.1";

/**
 * `count` distinct free TCP ports on 127.0.0.1: all are held open together (so none repeats), then released
 * for the cluster's processes to bind. Another program could take one in between; the master and workers
 * are started with `spark.port.maxRetries=0`, so that shows up as a start failure, not as a silent move
 * to a different port.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, LOOPBACK, () => resolve());
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
