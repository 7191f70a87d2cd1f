/** Classifies SDK errors by name and HTTP status, without depending on SDK error classes. */
export function errorName(e: unknown): string {
  return typeof e === "object" && e !== null && "name" in e ? String((e as { name: unknown }).name) : "";
}

export function httpStatus(e: unknown): number | undefined {
  const meta = (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return meta?.httpStatusCode;
}

export function isNotFound(e: unknown): boolean {
  const name = errorName(e);
  return name === "NotFound" || name === "NoSuchKey" || httpStatus(e) === 404;
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ProvisionedThroughputExceededException",
]);

/** EMR throttles DescribeCluster/DescribeStep per account; S3 says SlowDown. */
export function isThrottling(e: unknown): boolean {
  return THROTTLING.has(errorName(e)) || httpStatus(e) === 429;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
