/**
 * What one benchmark invocation runs. Every comparison is a ratio of two runs measured in the same
 * invocation on the same corpus file, so the machine's speed cancels out.
 */
import type { FeatureSetName } from "./runners.js";

export interface Plan {
  mode: "quick" | "full";
  seed: number;
  startupRuns: number;
  /** Kindling vs the seed-literal script vs scikit-learn, every feature set. */
  compare: { documents: number; sets: FeatureSetName[] };
  /** Kindling vs scikit-learn at a size where one machine's single process starts to hurt. */
  sklearn: { documents: number; sets: FeatureSetName[] } | null;
  /**
   * Kindling alone over growing corpora: time per document and driver memory, with the driver memory a
   * user gets by default (`spark.driver_memory`), since the target is that the largest corpus completes
   * with it.
   */
  scaling: { documents: number[]; sets: FeatureSetName[]; driverMemory: string } | null;
  /** The same job on a standalone cluster (master + workers on 127.0.0.1) and on local[*]. */
  standalone: { documents: number; sets: FeatureSetName[]; workers: number; partitions: number };
  /**
   * Re-runs: a first run that stores the prepared text, a re-run with other training settings that reuses
   * it, and the same re-run without the cache (its metrics must be identical).
   */
  rerun: { documents: number; sets: FeatureSetName[] } | null;
  /** Both presets and a tuned scikit-learn on the demo corpus (SpamAssassin): accuracy beside time. */
  presets: boolean;
  /** Spark driver memory for every Spark run (local mode: also the executors' memory). */
  driverMemory: string;
}

export const QUICK: Plan = {
  mode: "quick",
  seed: 7,
  startupRuns: 1,
  // The seed-literal script recomputes everything from the CSV on each LR iteration: keep it small.
  compare: { documents: 2_000, sets: ["hashing_tf"] },
  sklearn: null,
  scaling: null,
  standalone: { documents: 5_000, sets: ["hashing_tf"], workers: 2, partitions: 4 },
  rerun: { documents: 5_000, sets: ["hashing_tf", "tfidf"] },
  presets: false,
  driverMemory: "4g",
};

export const FULL: Plan = {
  mode: "full",
  seed: 7,
  startupRuns: 3,
  compare: { documents: 50_000, sets: ["hashing_tf", "tfidf", "word2vec"] },
  sklearn: { documents: 1_000_000, sets: ["hashing_tf", "tfidf"] },
  scaling: { documents: [100_000, 1_000_000, 2_000_000], sets: ["hashing_tf", "tfidf"], driverMemory: "2g" },
  standalone: { documents: 50_000, sets: ["hashing_tf", "tfidf"], workers: 2, partitions: 4 },
  rerun: { documents: 1_000_000, sets: ["hashing_tf", "tfidf"] },
  presets: true,
  driverMemory: "4g",
};
