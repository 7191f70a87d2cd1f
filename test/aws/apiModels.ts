import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../helpers/cli.js";

/** One AWS API call as botocore names it: the service model ("emr", "emr-serverless") and the operation. */
export interface ApiRequest {
  service: string;
  operation: string;
  params: unknown;
}

const PYTHON = path.join(ROOT, ".venv-aws", "bin", "python");

/**
 * Each request's validation report against AWS's published API models (botocore's), "" when valid. Dates
 * and other non-JSON values are sent as the SDK would serialize them for JSON protocols.
 */
export function validateAgainstApiModels(requests: ApiRequest[]): string[] {
  if (!existsSync(PYTHON)) {
    throw new Error(
      `${PYTHON} is missing: run \`node scripts/setup.mjs --for-tests\` (npm test does) to create it`,
    );
  }
  const result = spawnSync(PYTHON, [path.join(ROOT, "test", "aws", "validate_requests.py")], {
    input: JSON.stringify(requests),
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`validate_requests.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[];
}
