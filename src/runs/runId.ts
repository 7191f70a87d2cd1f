import { randomBytes } from "node:crypto";

/**
 * Run ids sort by creation time and carry the project name: 20261127-231500-spam-7f3a.
 * The random suffix keeps two runs started in the same second apart.
 */
export function newRunId(
  project: string,
  now: Date,
  random: () => string = () => randomBytes(2).toString("hex"),
): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const date = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  const time = `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `${date}-${time}-${project}-${random()}`;
}

export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[a-z][a-z0-9-]*-[0-9a-f]{4}$/;
