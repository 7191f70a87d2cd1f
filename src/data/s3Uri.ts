/**
 * Offline checks of an s3:// URI against S3's bucket naming rules, so a typo is reported before any
 * cloud resource exists. (Whether the object exists is only known on AWS.)
 * Rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general purpose).
 */
export interface S3Location {
  bucket: string;
  key: string;
}

export type S3UriCheck = { ok: true; location: S3Location } | { ok: false; problem: string; fix: string };

const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

export function isUriLike(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value);
}

export function checkS3Uri(uri: string): S3UriCheck {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri)?.[1];
  if (scheme === undefined) {
    return { ok: false, problem: `"${uri}" is not an s3:// URI`, fix: "write it as s3://bucket/key" };
  }
  if (scheme !== "s3") {
    const hadoop = scheme === "s3a" || scheme === "s3n";
    return {
      ok: false,
      problem: `"${uri}" uses the ${scheme}:// scheme`,
      fix: hadoop
        ? `write s3://${uri.slice(scheme.length + 3)} (EMR reads s3:// through EMRFS)`
        : "data.path is a local path or an s3://bucket/key URI",
    };
  }
  const rest = uri.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? "" : rest.slice(slash + 1);
  const problem = bucketProblem(bucket);
  if (problem) {
    return {
      ok: false,
      problem: `bucket name "${bucket}" in ${uri} ${problem}`,
      fix: "bucket names are 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit",
    };
  }
  if (key === "" || key.endsWith("//")) {
    return {
      ok: false,
      problem: `${uri} names no object`,
      fix: `add the key of the file (or folder) after the bucket: s3://${bucket}/path/to/data.csv`,
    };
  }
  if ([...key].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    return { ok: false, problem: `the key in ${uri} contains control characters`, fix: "remove them" };
  }
  return { ok: true, location: { bucket, key } };
}

function bucketProblem(bucket: string): string | undefined {
  if (bucket.length === 0) return "is empty";
  if (bucket.length < 3 || bucket.length > 63)
    return `must be 3 to 63 characters long (it has ${bucket.length})`;
  if (/[A-Z]/.test(bucket)) return "must be lower case";
  const bad = /[^a-z0-9.-]/.exec(bucket);
  if (bad) return `must not contain ${JSON.stringify(bad[0])}`;
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket)) {
    return "must start and end with a letter or digit";
  }
  if (bucket.includes("..")) return "must not contain two dots in a row";
  if (bucket.includes(".-") || bucket.includes("-.")) return "must not have a dot next to a hyphen";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return "must not look like an IP address";
  const prefix = RESERVED_PREFIXES.find((p) => bucket.startsWith(p));
  if (prefix) return `must not start with the reserved prefix "${prefix}"`;
  const suffix = RESERVED_SUFFIXES.find((s) => bucket.endsWith(s));
  if (suffix) return `must not end with the reserved suffix "${suffix}"`;
  return undefined;
}
