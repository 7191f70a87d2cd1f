import { cp, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type HistoryS3, RemoteRunStore } from "../../src/runs/remote.js";
import { RunStore } from "../../src/runs/store.js";
import { type ApiRequest, validateAgainstApiModels } from "../aws/apiModels.js";
import { RecordingHost } from "../helpers/recordingHost.js";
import { FIXTURE_RUN } from "../report/fixtures.js";

const ID = "20261127-231500-spam-7f3a";

/** An S3 with nothing in it that records every request the shared history makes, as botocore names them. */
function recordingS3(): { s3: HistoryS3; requests: ApiRequest[] } {
  const requests: ApiRequest[] = [];
  const notFound = () =>
    Object.assign(new Error("not found"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });
  const record = (operation: string, params: Record<string, unknown>) => {
    // Bodies are streams here; the model only asks for a blob.
    const { Body, ...rest } = params;
    requests.push({ service: "s3", operation, params: Body === undefined ? rest : { ...rest, Body: "…" } });
  };
  const s3 = {
    listObjectsV2: async (p: Record<string, unknown>) => {
      record("ListObjectsV2", p);
      return { CommonPrefixes: [], Contents: [] };
    },
    getObject: async (p: Record<string, unknown>) => {
      record("GetObject", p);
      throw Object.assign(notFound(), { name: "NoSuchKey" });
    },
    headObject: async (p: Record<string, unknown>) => {
      record("HeadObject", p);
      throw notFound();
    },
    putObject: async (p: Record<string, unknown>) => {
      record("PutObject", p);
      return {};
    },
  } as unknown as HistoryS3;
  return { s3, requests };
}

describe("the shared history's S3 requests, against AWS's published API models", () => {
  it("push and list make only requests botocore's S3 model accepts", async () => {
    const root = path.join(await mkdtemp(path.join(os.tmpdir(), "khistory-api-")), "runs");
    await cp(FIXTURE_RUN, path.join(root, ID), { recursive: true });
    await writeFile(path.join(root, ID, "_SUCCESS"), "");
    const { s3, requests } = recordingS3();
    const remote = new RemoteRunStore(s3, "kindling-spam-data-123456789012-us-east-1");
    await remote.push(await new RunStore(root).read(ID), new RecordingHost());
    await remote.list(5);

    expect(new Set(requests.map((r) => r.operation))).toEqual(
      new Set(["GetObject", "HeadObject", "PutObject", "ListObjectsV2"]),
    );
    const put = requests.find((r) => r.operation === "PutObject")?.params as Record<string, unknown>;
    expect(put).toMatchObject({ IfNoneMatch: "*", ChecksumAlgorithm: "SHA256" });
    expect(validateAgainstApiModels(requests)).toEqual(requests.map(() => ""));
  });
});
