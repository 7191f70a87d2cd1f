import { EMR } from "@aws-sdk/client-emr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkBlockPublicAccess } from "../../src/targets/emr/publicAccess.js";
import { CODES } from "../../src/ui/codes.js";
import { validateAgainstApiModels } from "../aws/apiModels.js";
import { TEST_CREDENTIALS } from "../aws/moto.js";
import { type EmrEmulator, startRequestsOnlyEmrEmulator } from "../emr-emulator/server.js";
import { RecordingHost } from "../helpers/recordingHost.js";

// aws.network public: the account's EMR block public access, read over HTTP from the EMR emulator (no
// cluster is started, so it needs no S3 and runs no step).
let emulator: EmrEmulator;
let emr: EMR;

beforeAll(async () => {
  emulator = await startRequestsOnlyEmrEmulator();
  emr = new EMR({ endpoint: emulator.endpoint, region: "eu-west-1", credentials: TEST_CREDENTIALS });
});
afterAll(async () => {
  await emulator?.close();
});

const warnings = (io: RecordingHost) =>
  io.messages.filter((m) => m.code === CODES.EMR_PUBLIC_ACCESS.code).map((m) => m.message);

describe("EMR block public access, for clusters with public IPs", () => {
  it("is on by default in an account: nothing to say", async () => {
    const io = new RecordingHost();
    expect(await checkBlockPublicAccess(emr, io, "eu-west-1")).toBe(true);
    expect(warnings(io)).toEqual([]);
  });

  it("switched off, a warning names the region and the command that turns it back on", async () => {
    await emr.putBlockPublicAccessConfiguration({
      BlockPublicAccessConfiguration: { BlockPublicSecurityGroupRules: false },
    });
    const io = new RecordingHost();
    expect(await checkBlockPublicAccess(emr, io, "eu-west-1")).toBe(false);
    expect(warnings(io)).toEqual([
      expect.stringMatching(
        /EMR block public access is off in eu-west-1.*aws emr put-block-public-access-configuration --region eu-west-1 --block-public-access-configuration BlockPublicSecurityGroupRules=true$/,
      ),
    ]);
  });

  it("unreadable (no permission, or any other error): says so and lets the run go on", async () => {
    emulator.injectApiError("GetBlockPublicAccessConfiguration", "AccessDeniedException");
    const io = new RecordingHost();
    expect(await checkBlockPublicAccess(emr, io, "eu-west-1")).toBeUndefined();
    expect(warnings(io)).toEqual([expect.stringMatching(/could not be read \(access denied\)/)]);
    emulator.injectApiError("GetBlockPublicAccessConfiguration", "InternalServerError");
    const other = new RecordingHost();
    expect(await checkBlockPublicAccess(emr, other, "eu-west-1")).toBeUndefined();
    expect(warnings(other)).toEqual([expect.stringMatching(/could not be read \(InternalServerError\)/)]);
  });

  it("asks EMR with a request valid against AWS's published model (botocore)", () => {
    const sent = emulator.calls
      .filter((c) => c.operation === "GetBlockPublicAccessConfiguration")
      .map((c) => ({ service: "emr", operation: c.operation, params: c.body }));
    expect(sent.length).toBeGreaterThan(0);
    expect(validateAgainstApiModels(sent)).toEqual(sent.map(() => ""));
  });
});
