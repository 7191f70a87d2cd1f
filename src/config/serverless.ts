import { z } from "zod";

/**
 * The `serverless:` section: the foundation's EMR Serverless application (capacity, idle stop) and the
 * size of each job run on it. Kept apart from schema.ts because the foundation stack is built from it too.
 */

/** vCPU sizes an EMR Serverless worker can have. */
export const WORKER_CPUS = [1, 2, 4, 8, 16] as const;

/**
 * Memory a worker of each size may have, in GB, from AWS's "Worker configurations" table: Spark's memory
 * plus its overhead (10%, at least 384 MiB) must fall in this range.
 */
export const WORKER_MEMORY_GB: Readonly<Record<number, readonly [number, number]>> = {
  1: [2, 8],
  2: [4, 16],
  4: [8, 30],
  8: [16, 60],
  16: [32, 120],
};

const memory = z.string().regex(/^\d+[mg]$/i, 'must be a whole number of megabytes or gigabytes, like "14g"');

/** Spark memory ("14g", "7168m") in GB. */
export function memoryGb(text: string): number {
  const n = Number.parseInt(text, 10);
  return /m$/i.test(text) ? n / 1024 : n;
}

/** The worker memory EMR Serverless bills for a Spark memory setting: the setting plus Spark's overhead. */
export function workerMemoryGb(sparkMemory: string): number {
  const gb = memoryGb(sparkMemory);
  return gb + Math.max(gb * 0.1, 384 / 1024);
}

/**
 * The memory of the worker EMR Serverless places for a Spark setting: the setting plus overhead, rounded up
 * to the worker table's step (1 GB up to 4 vCPU, 4 GB at 8, 8 GB at 16). This is what is billed.
 */
export function workerSizeGb(cpu: number, sparkMemory: string): number {
  const step = cpu >= 16 ? 8 : cpu >= 8 ? 4 : 1;
  const [low] = WORKER_MEMORY_GB[cpu] ?? [0];
  return Math.max(low, Math.ceil(workerMemoryGb(sparkMemory) / step) * step);
}

/** The running time a cloud estimate assumes; shared by `emr:` and `serverless:`. */
export const estimatedRuntimeMinutes = z
  .number()
  .positive()
  .optional()
  .describe(
    "Expected job run time, used only for the cost estimate before a run. Default: measured from this config's newest local run, scaled to the input's size; 20 without one.",
  );

const worker = (cpu: number, mem: string, what: string) =>
  z
    .strictObject({
      cpu: z
        .int()
        .refine(
          (n) => n in WORKER_MEMORY_GB,
          `must be one of EMR Serverless's worker sizes: ${WORKER_CPUS.join(", ")} vCPUs`,
        )
        .default(cpu)
        .describe(`vCPUs of the ${what}: 1, 2, 4, 8 or 16.`),
      memory: memory
        .default(mem)
        .describe(`Spark memory of the ${what}; with Spark's 10% overhead it must fit the vCPU size.`),
    })
    .prefault({})
    .superRefine((w, ctx) => {
      const range = WORKER_MEMORY_GB[w.cpu];
      if (!range) return; // reported on cpu
      const [low, high] = range;
      const total = workerMemoryGb(w.memory);
      if (total < low || total > high) {
        ctx.addIssue({
          code: "custom",
          path: ["memory"],
          message: `${w.memory} plus Spark's overhead is ${total.toFixed(1)} GB; a ${w.cpu}-vCPU worker takes ${low}–${high} GB`,
        });
      }
    });

export const serverlessSection = z
  .strictObject({
    release_label: z
      .string()
      .regex(/^emr-(spark-)?\d+\.\d+\.\d+$/, "must look like emr-7.13.0 or emr-spark-8.0.0")
      .optional()
      .describe(
        "EMR release of the application; its Spark must be spark.line's. Default: emr.release_label, else the line's release in versions.json.",
      ),
    architecture: z
      .enum(["x86_64", "arm64"])
      .default("x86_64")
      .describe("CPU of the workers; arm64 (Graviton) costs about 20% less."),
    max_vcpu: z
      .int()
      .min(1)
      .max(4000)
      .default(16)
      .describe("The application's maximum capacity in vCPUs: no job runs beyond it (a bound on cost)."),
    max_memory_gb: z.int().min(2).max(24000).default(64).describe("The application's maximum memory in GB."),
    idle_minutes: z
      .int()
      .min(1)
      .max(10080)
      .default(15)
      .describe("The application stops after this idle time (auto-stop); it starts again with the next job."),
    pre_initialized_executors: z
      .int()
      .min(0)
      .max(100)
      .default(0)
      .describe(
        "Workers kept warm (with one driver) while the application is started: jobs start in seconds, and they are billed while the application runs. Default 0.",
      ),
    driver: worker(2, "7g", "driver"),
    executor: worker(4, "14g", "executors"),
    executors: z.int().min(1).max(1000).default(2).describe("Executors each job starts with."),
    execution_timeout_minutes: z
      .int()
      .min(1)
      .max(1440)
      .default(60)
      .describe(
        "A job run still going after this is cancelled by EMR Serverless: a hung job cannot bill forever.",
      ),
    estimated_runtime_minutes: estimatedRuntimeMinutes,
  })
  .prefault({})
  .superRefine((s, ctx) => {
    // One job's driver and executors must fit the application, or it waits for capacity that never comes.
    const vcpu = s.driver.cpu + s.executor.cpu * s.executors;
    if (vcpu > s.max_vcpu) {
      ctx.addIssue({
        code: "custom",
        path: ["max_vcpu"],
        message: `is ${s.max_vcpu}, but one job needs ${vcpu} vCPUs (driver ${s.driver.cpu} + ${s.executors} executors × ${s.executor.cpu}); raise it or lower serverless.executors`,
      });
    }
    // Workers are placed at the worker table's sizes (rounded up), so that is what must fit.
    const gb =
      workerSizeGb(s.driver.cpu, s.driver.memory) +
      workerSizeGb(s.executor.cpu, s.executor.memory) * s.executors;
    if (gb > s.max_memory_gb) {
      ctx.addIssue({
        code: "custom",
        path: ["max_memory_gb"],
        message: `is ${s.max_memory_gb}, but one job needs ${gb} GB (driver and executors as EMR Serverless sizes them); raise it or lower serverless.executors`,
      });
    }
    // Pre-initialized workers count against the maximum too: an application asking for more does not deploy.
    const warm = s.pre_initialized_executors;
    if (warm > 0) {
      const warmCpu = s.driver.cpu + s.executor.cpu * warm;
      const warmGb =
        workerSizeGb(s.driver.cpu, s.driver.memory) + workerSizeGb(s.executor.cpu, s.executor.memory) * warm;
      if (warmCpu > s.max_vcpu || warmGb > s.max_memory_gb) {
        ctx.addIssue({
          code: "custom",
          path: ["pre_initialized_executors"],
          message: `keeps ${warmCpu} vCPUs and ${warmGb} GB warm, beyond the application's maximum (max_vcpu ${s.max_vcpu}, max_memory_gb ${s.max_memory_gb}); lower it or raise the maximum`,
        });
      }
    }
  });

export type ServerlessConfig = z.output<typeof serverlessSection>;
