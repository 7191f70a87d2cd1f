import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Archives Kindling builds (the job's Python packages) go to a cache of the tests' own, kept between runs
// (what a user's per-user cache does) and apart from the user's.
const env = { KINDLING_CACHE_DIR: fileURLToPath(new URL("./.cache/test", import.meta.url)) };

// Two lanes: `fast` (pure TypeScript, seconds) and `slow` (real Spark, moto, browsers; tagged by file name
// `*.slow.test.ts`). `npm test` runs both; `npm run test:fast` only the first.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "fast",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.slow.test.ts"],
          testTimeout: 30_000,
          env,
        },
      },
      {
        test: {
          name: "slow",
          include: ["test/**/*.slow.test.ts"],
          testTimeout: 900_000,
          env,
          hookTimeout: 300_000,
          // Spark jobs compete for the same two cores: run slow files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
