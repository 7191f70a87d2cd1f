import { readdir, readFile, readlink } from "node:fs/promises";

/** Live processes whose environment holds `name=value` (Linux /proc). */
export { processesWithEnv } from "../../src/targets/shared/processes.js";

export interface Listener {
  pid: number;
  address: string;
}

/** The listening TCP sockets (IPv4 and IPv6) held by `pids`, with their local address in /proc/net form. */
export async function listeners(pids: number[]): Promise<Listener[]> {
  const byInode = new Map<string, string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // Columns: sl local_address rem_address st … inode (the 10th); 0A is LISTEN.
      if (f[3] === "0A" && f[1] && f[9]) byInode.set(f[9], f[1]);
    }
  }
  const found: Listener[] = [];
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const address = inode ? byInode.get(inode) : undefined;
      if (address) found.push({ pid, address });
    }
  }
  return found;
}

/** 127.0.0.1 as IPv4, as an IPv4-mapped IPv6 address (how the JVM's sockets show), or ::1. */
export function isLoopback(address: string): boolean {
  const host = address.split(":")[0] ?? "";
  return ["0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"].includes(host);
}
