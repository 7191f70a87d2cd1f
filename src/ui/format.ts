import path from "node:path";

/**
 * Numbers for people. One fixed locale, so a report reads the same wherever it is built (and its tests
 * are stable); Intl does the grouping and rounding.
 */
const LOCALE = "en-US";

const integer = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(LOCALE, {
  style: "percent",
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const score = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const signedPoints = new Intl.NumberFormat(LOCALE, {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: "exceptZero",
});
const oneDecimal = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
const money = new Intl.NumberFormat(LOCALE, { style: "currency", currency: "USD" });
// Cloud runs cost cents: below a dollar a third decimal keeps $0.034 from reading as $0.03.
const cents = new Intl.NumberFormat(LOCALE, {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 3,
});

const DASH = "—";

/** 6046 → "6,046". */
export function formatInteger(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : integer.format(n);
}

/** 0.9731 → "97.3%". */
export function formatPercent(x: number | null | undefined): string {
  return x === null || x === undefined ? DASH : percent.format(x);
}

/** 0.97314 → "0.973". */
export function formatScore(x: number | null | undefined): string {
  return x === null || x === undefined ? DASH : score.format(x);
}

/** A difference of two rates in percentage points: 0.012 → "+1.2 pts". */
export function formatDeltaPoints(x: number | null | undefined): string {
  if (x === null || x === undefined) return DASH;
  return `${signedPoints.format(x * 100)} pts`;
}

/** 12.34 → "12.3 s", 95 → "1 min 35 s", 4000 → "1 h 6 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return DASH;
  if (seconds < 60) return `${oneDecimal.format(seconds)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** 13_421_772 → "12.8 MiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return DASH;
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${integer.format(value)} bytes` : `${oneDecimal.format(value)} ${units[unit]}`;
}

/** 1.234 → "$1.23", 0.0342 → "$0.034", 0.34 → "$0.34". */
export function formatUsd(amount: number | null | undefined): string {
  if (amount === null || amount === undefined) return DASH;
  return Math.abs(amount) < 1 ? cents.format(amount) : money.format(amount);
}

/** A path as a person at this terminal would type it: relative when it is under the current folder. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}
