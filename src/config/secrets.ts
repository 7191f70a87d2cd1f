/**
 * Spark's default spark.redaction.regex: the settings Spark itself hides in its UI and logs. A config is
 * copied into every run (spec, manifest, reports), so a setting named like this is refused, and its value
 * is never repeated in a message.
 */
export const SECRET_KEY = /secret|password|token|access[.]?key/i;

/** Whether a config key path is a Spark setting named like a secret (spark.conf.<key>). */
export function isSecretSetting(segments: readonly PropertyKey[]): boolean {
  return segments[0] === "spark" && segments[1] === "conf" && SECRET_KEY.test(String(segments[2] ?? ""));
}
