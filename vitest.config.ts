import { defineConfig } from "vitest/config";

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
        },
      },
      {
        test: {
          name: "slow",
          include: ["test/**/*.slow.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          // Spark jobs compete for the same two cores: run slow files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
