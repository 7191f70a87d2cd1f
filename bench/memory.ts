/**
 * Peak memory of a benchmark run, sampled from /proc (Linux): every process under the given roots is
 * classified by its command line, and the watcher keeps per-role peaks and the peak of their sum.
 *
 * VmHWM (a process's own peak resident set) is monotonic, so a per-process peak is exact even between
 * samples; sums across processes are only as fine as the sampling interval.
 */
import { readdirSync, readFileSync } from "node:fs";

export type Role =
  | "driver-jvm"
  | "driver-python"
  | "executor"
  | "python-worker"
  | "cli"
  | "cluster-daemon"
  | "other";

interface ProcessSample {
  pid: number;
  ppid: number;
  role: Role;
  rssKiB: number;
  hwmKiB: number;
}

export interface MemoryPeaks {
  /** Peak resident set of the driver JVM (in local mode it also runs the executors' tasks). */
  driver_jvm_mib: number | null;
  /** Peak resident set of the Python driver (where a collect() lands). */
  driver_python_mib: number | null;
  /**
   * Peak of the workers' resident sets summed: executor JVMs (standalone cluster) and Python workers. In
   * local mode the executors live inside the driver JVM, so this is the Python workers alone.
   */
  workers_mib: number | null;
  /** Peak of everything the run started, summed (cluster daemons excluded). */
  total_mib: number;
  samples: number;
}

function classify(cmdline: string): Role {
  if (cmdline.includes("CoarseGrainedExecutorBackend")) return "executor";
  if (cmdline.includes("org.apache.spark.deploy.SparkSubmit")) return "driver-jvm";
  if (/org\.apache\.spark\.deploy\.(master\.Master|worker\.Worker)/.test(cmdline)) return "cluster-daemon";
  if (cmdline.includes("pyspark.daemon") || cmdline.includes("pyspark.worker")) return "python-worker";
  if (/python[\d.]*\0/.test(cmdline) || /python[\d.]*$/.test(cmdline.split("\0")[0] ?? "")) {
    return "driver-python";
  }
  if (/(^|\/)node\0/.test(cmdline)) return "cli";
  return "other";
}

/** A numeric field of /proc/PID/status (memory fields are in kB). */
function statusNumber(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status);
  return match ? Number(match[1]) : 0;
}

function readProcess(pid: number): ProcessSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return {
      pid,
      ppid: statusNumber(status, "PPid"),
      role: classify(cmdline),
      rssKiB: statusNumber(status, "VmRSS"),
      hwmKiB: statusNumber(status, "VmHWM"),
    };
  } catch {
    return undefined; // exited between the listing and the read
  }
}

/** Every live process that descends from one of `roots` (the roots included). */
export function processTree(roots: number[]): ProcessSample[] {
  const all = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((p): p is ProcessSample => p !== undefined);
  const children = new Map<number, ProcessSample[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const found: ProcessSample[] = [];
  const queue = roots.map((pid) => byPid.get(pid)).filter((p): p is ProcessSample => p !== undefined);
  const seen = new Set<number>();
  while (queue.length) {
    const p = queue.shift() as ProcessSample;
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    found.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return found;
}

const mib = (kib: number) => Math.round(kib / 1024);

/** Samples the trees under `roots()` every `intervalMs` until stopped. */
export class MemoryWatcher {
  private readonly hwm = new Map<number, { role: Role; kib: number }>();
  private executorsPeak = 0;
  private totalPeak = 0;
  private samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly roots: () => number[],
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const tree = processTree(this.roots()).filter((p) => p.role !== "cluster-daemon");
    this.samples++;
    let total = 0;
    let executors = 0;
    for (const p of tree) {
      total += p.rssKiB;
      if (p.role === "executor" || p.role === "python-worker") executors += p.rssKiB;
      const previous = this.hwm.get(p.pid);
      // An exiting process has an empty command line: keep the role it was seen with.
      const role = p.role === "other" && previous ? previous.role : p.role;
      this.hwm.set(p.pid, { role, kib: Math.max(previous?.kib ?? 0, p.hwmKiB, p.rssKiB) });
    }
    this.totalPeak = Math.max(this.totalPeak, total);
    this.executorsPeak = Math.max(this.executorsPeak, executors);
  }

  stop(): MemoryPeaks {
    clearInterval(this.timer);
    const peakOf = (role: Role) => {
      const values = [...this.hwm.values()].filter((v) => v.role === role).map((v) => v.kib);
      return values.length ? mib(Math.max(...values)) : null;
    };
    return {
      driver_jvm_mib: peakOf("driver-jvm"),
      driver_python_mib: peakOf("driver-python"),
      workers_mib: this.executorsPeak ? mib(this.executorsPeak) : null,
      total_mib: mib(this.totalPeak),
      samples: this.samples,
    };
  }
}
