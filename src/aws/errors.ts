import { KindlingError, PrerequisiteError } from "../errors.js";

/** An SDK error's name, without depending on SDK error classes. */
export function errorName(e: unknown): string {
  return typeof e === "object" && e !== null && "name" in e ? String((e as { name: unknown }).name) : "";
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

export function isNotFound(e: unknown): boolean {
  const name = errorName(e);
  return name === "NotFound" || name === "NoSuchKey" || httpStatus(e) === 404;
}

const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"]);
const INVALID = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "AuthFailure",
]);
const MISSING = new Set(["CredentialsProviderError", "TokenProviderError"]);
const DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]);
const THROTTLED = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);

/** Node's network failures: no DNS answer, nothing listening, a connection that timed out or broke. */
const UNREACHABLE = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);
/** AWS's "this request is not valid" (a field's value, a combination it does not allow). */
const INVALID_REQUEST = new Set([
  "ValidationException",
  "ValidationError",
  "InvalidRequestException",
  "InvalidParameterValue",
  "InvalidParameterException",
]);

/** What kind of trouble an AWS error is, as far as a person must act on it. */
export type AwsTrouble =
  | "expired-credentials"
  | "invalid-credentials"
  | "no-credentials"
  | "access-denied"
  | "throttled"
  | "unreachable"
  | "invalid-request";

export function awsTrouble(e: unknown): AwsTrouble | undefined {
  const name = errorName(e);
  if (EXPIRED.has(name) || /security token included in the request is expired/i.test(messageOf(e))) {
    return "expired-credentials";
  }
  if (INVALID.has(name)) return "invalid-credentials";
  if (MISSING.has(name) || /could not load credentials/i.test(messageOf(e))) return "no-credentials";
  if (DENIED.has(name) || httpStatus(e) === 403) return "access-denied";
  if (THROTTLED.has(name) || httpStatus(e) === 429) return "throttled";
  // A network failure is AWS's only when the SDK gave up on it (it marks what it retried with $metadata):
  // a refused connection elsewhere (a local Spark master) is not.
  const fromSdk = typeof e === "object" && e !== null && "$metadata" in e;
  const code = (e as { code?: unknown } | null)?.code;
  if (fromSdk && ((typeof code === "string" && UNREACHABLE.has(code)) || name === "TimeoutError")) {
    return "unreachable";
  }
  if (INVALID_REQUEST.has(name)) return "invalid-request";
  return undefined;
}

const REFRESH =
  "Refresh them (`aws sso login`, `aws configure`, or new keys in your environment) and try again; `kindling doctor` shows where credentials come from.";

/**
 * The one translation of AWS failures into errors a person can act on: credentials that are missing,
 * expired or wrong, a denied action, throttling that outlasted the SDK's retries. `doing` says what
 * Kindling was doing ("starting the cluster"). Anything else comes back unchanged.
 */
export function translateAwsError(e: unknown, doing: string): unknown {
  if (e instanceof KindlingError) return e;
  const trouble = awsTrouble(e);
  const detail = `${errorName(e) || "error"}: ${firstLine(messageOf(e))}`;
  switch (trouble) {
    case "expired-credentials":
      return new PrerequisiteError(`AWS credentials have expired (${detail}) while ${doing}.`, {
        hint: REFRESH,
        cause: e,
      });
    case "invalid-credentials":
      return new PrerequisiteError(`AWS rejected the credentials (${detail}) while ${doing}.`, {
        hint: REFRESH,
        cause: e,
      });
    case "no-credentials":
      return new PrerequisiteError(`No AWS credentials were found while ${doing}.`, {
        hint: "Configure the standard AWS credential chain (`aws configure`, `aws sso login`, AWS_PROFILE) or pass --profile.",
        cause: e,
      });
    case "access-denied":
      return new KindlingError(`AWS denied access while ${doing} (${detail}).`, {
        hint: "Your identity lacks a permission the message names; ask your account's administrator, or use a profile that has it (--profile).",
        cause: e,
      });
    case "throttled":
      return new KindlingError(`AWS kept throttling the calls while ${doing} (${detail}).`, {
        hint: "AWS is limiting API calls in this account; wait a minute and try again.",
        cause: e,
      });
    case "unreachable":
      return new PrerequisiteError(`AWS could not be reached while ${doing} (${firstLine(messageOf(e))}).`, {
        hint:
          "Check the network (and HTTPS_PROXY if you use one), that the region is a real one (aws.region, --region, " +
          "AWS_REGION), and any AWS_ENDPOINT_URL* variables, which send calls elsewhere; the SDK already retried.",
        cause: e,
      });
    case "invalid-request":
      return new KindlingError(`AWS refused the request as invalid while ${doing} (${detail}).`, {
        hint:
          "The message names the field. `kindling run --dry-run` prints the exact request; `kindling preflight` checks " +
          "the release, instance types and quotas against the account.",
        cause: e,
      });
    default:
      return e;
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0]?.trim() ?? "";
}
