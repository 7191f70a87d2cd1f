import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { resolveFoundationSettings, stackNameFor } from "../../src/infra/settings.js";

describe("resolveFoundationSettings", () => {
  it("fills the documented defaults", () => {
    expect(resolveFoundationSettings({ project: "spam-filter" })).toEqual({
      project: "spam-filter",
      environment: "dev",
      network: "private",
      encryption: "sse-s3",
      logsRetentionDays: 30,
      flowLogsRetentionDays: 90,
      inTransitEncryption: false,
      deleteDataOnDestroy: false,
    });
  });

  it("keeps given values and ignores explicit undefined", () => {
    const s = resolveFoundationSettings({
      project: "p",
      environment: "prod",
      region: "eu-west-1",
      account: "123456789012",
      network: "public",
      encryption: "sse-kms",
      logsRetentionDays: 7,
      flowLogsRetentionDays: 365,
      deleteDataOnDestroy: true,
      s3PrefixListId: undefined,
    });
    expect(s).toMatchObject({
      environment: "prod",
      region: "eu-west-1",
      network: "public",
      logsRetentionDays: 7,
    });
    expect("s3PrefixListId" in s).toBe(false);
  });

  it.each([
    [{ project: "Spam" }, /project name "Spam"/],
    [{ project: "spam_filter" }, /lower-case letters/],
    [{ project: "1spam" }, /starting with a letter/],
    [{ project: "spam-" }, /project name/],
    [{ project: "spam", environment: "dev env" }, /environment name/],
    [{ project: "spam", network: "vpn" as never }, /network must be "private" or "public"/],
    [{ project: "spam", encryption: "aes" as never }, /encryption must be "sse-s3" or "sse-kms"/],
    [{ project: "spam", logsRetentionDays: 0 }, /logsRetentionDays/],
    [{ project: "spam", flowLogsRetentionDays: 10 }, /flowLogsRetentionDays/],
    [{ project: "spam", region: "Europe" }, /not an AWS region/],
    [{ project: "spam", account: "12345" }, /12-digit/],
    [{ project: "spam", s3PrefixListId: "s3" }, /pl-63a5400a/],
    [{ project: "spam", inTransitEncryption: true }, /needs foundation.inTransitCertificateS3Uri/],
    [
      { project: "spam", inTransitEncryption: true, inTransitCertificateS3Uri: "https://x/y.zip" },
      /s3:\/\/bucket/,
    ],
    [{ project: "a-very-long-project-name-indeed", environment: "staging" }, /limit is 40/],
  ])("rejects %o with a UsageError", (input, message) => {
    expect(() => resolveFoundationSettings(input)).toThrow(UsageError);
    expect(() => resolveFoundationSettings(input)).toThrow(message);
  });

  it("explains what in-transit encryption needs", () => {
    try {
      resolveFoundationSettings({ project: "spam", inTransitEncryption: true });
      expect.unreachable();
    } catch (e) {
      expect((e as UsageError).hint).toMatch(/privateKey\.pem/);
      expect((e as UsageError).exitCode).toBe(2);
    }
  });
});

describe("stackNameFor", () => {
  it("derives kindling-<project>-<environment>", () => {
    expect(stackNameFor({ project: "spam-filter", environment: "dev" })).toBe("kindling-spam-filter-dev");
  });
});
