/** One line of `kindling doctor` or `kindling preflight`: what was checked, how it stands, what to do. */
export interface Check {
  name: string;
  /** ok: fine; warn: worth knowing, nothing stops; fail: what a run would fail on; skip: not checked. */
  status: "ok" | "warn" | "fail" | "skip";
  detail: string;
  fix?: string;
}

const MARK = { ok: "✔", warn: "!", fail: "✖", skip: "-" } as const;

/** The lines a person reads: a mark, the check, its detail, and the fix under it. */
export function checkLines(checks: readonly Check[]): string[] {
  return checks.map((c) => `${MARK[c.status]} ${c.name}: ${c.detail}${c.fix ? `\n    → ${c.fix}` : ""}`);
}
