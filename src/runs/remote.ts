import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { HeadObjectCommandOutput, S3 } from "@aws-sdk/client-s3";
import { errorName, httpStatus, isNotFound } from "../aws/errors.js";
import { KindlingError, UsageError } from "../errors.js";
import { mapLimited } from "../limit.js";
import type { JobSpec } from "../spec/types.js";
import { codePrefix } from "../targets/emr/layout.js";
import { CODES } from "../ui/codes.js";
import { formatBytes } from "../ui/format.js";
import type { IoHost } from "../ui/io.js";
import { fileDigest, filesUnder, PRIVATE_DIR, PRIVATE_FILE } from "./files.js";
import { RESERVE_FILE } from "./lifecycle.js";
import { LOCK_FILE } from "./lock.js";
import type { Manifest } from "./manifest.js";
import { RUN_ID_PATTERN } from "./runId.js";
import { type RunDir, RunStore, type RunSummary, SUCCESS_MARKER } from "./store.js";

/** The S3 calls the shared history makes; tests pass moto-backed clients or scripted fakes. */
export type HistoryS3 = Pick<S3, "listObjectsV2" | "getObject" | "headObject" | "putObject">;

/** Where runs live in the data bucket: cloud runs write here, and pushed runs land beside them. */
export const REMOTE_PREFIX = "runs/";
const MANIFEST = "manifest.json";
/** Files of a local run that are bookkeeping of this machine, not the run. */
const LOCAL_ONLY = new Set([SUCCESS_MARKER, RESERVE_FILE, LOCK_FILE]);
/** Reads in flight while listing: enough to hide latency, few enough not to be throttled. */
const CONCURRENCY = 8;

/** A pushed or cloud run seen in the bucket, shaped like a local RunSummary so the same table shows it. */
export interface RemoteRun extends RunSummary {
  /** s3://bucket/runs/<id>/ */
  uri: string;
}

/** A person's push would replace something: the history never overwrites. */
export class HistoryConflictError extends KindlingError {}

/**
 * The shared run history: `runs/<id>/` in the data bucket, the same layout as a local run folder. A run
 * is complete there once its manifest.json is: push writes every other file first and the manifest last,
 * with `If-None-Match: *`, so a partial upload is never listed as complete and nothing is overwritten.
 * Cloud runs already have their outputs there; publishing adds the manifest and report the CLI wrote.
 */
export class RemoteRunStore {
  constructor(
    private readonly s3: HistoryS3,
    readonly bucket: string,
  ) {}

  uriOf(id: string): string {
    return `s3://${this.bucket}/${REMOTE_PREFIX}${id}/`;
  }

  /** Every run id in the bucket, newest first. */
  async ids(): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.listObjectsV2({
        Bucket: this.bucket,
        Prefix: REMOTE_PREFIX,
        Delimiter: "/",
        ContinuationToken: token,
      });
      for (const p of page.CommonPrefixes ?? []) {
        const id = p.Prefix?.slice(REMOTE_PREFIX.length, -1) ?? "";
        if (RUN_ID_PATTERN.test(id)) ids.push(id);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return ids.sort().reverse();
  }

  /** The runs, newest first; `limit` reads only that many manifests. */
  async list(limit?: number): Promise<RemoteRun[]> {
    const ids = await this.ids();
    return mapLimited(limit === undefined ? ids : ids.slice(0, limit), CONCURRENCY, (id) => this.read(id));
  }

  /**
   * One run. Without a manifest (a cloud run still going, or a push cut short) it is incomplete; its spec,
   * when there, still says when and where it started.
   */
  async read(id: string): Promise<RemoteRun> {
    const uri = this.uriOf(id);
    const manifest = await this.getJson<Manifest>(`${REMOTE_PREFIX}${id}/${MANIFEST}`);
    if (manifest) {
      return { id, dir: uri, uri, complete: manifest.status === "succeeded", manifest, metrics: undefined };
    }
    // A cloud run uploads its spec first and gets its manifest when the CLI completes it: until then it
    // is running (or its CLI died; `kindling collect` finishes it). A pushed run cut short is just incomplete.
    const spec =
      (await this.getJson<JobSpec>(`${codePrefix(id)}spec.json`)) ??
      // Cloud runs made before the spec moved to code/.
      (await this.getJson<JobSpec>(`${REMOTE_PREFIX}${id}/spec.json`));
    const cloud = spec?.run.target === "emr" || spec?.run.target === "emr-serverless";
    const partial = spec && cloud ? partialManifest(spec) : undefined;
    return { id, dir: uri, uri, complete: false, manifest: partial, metrics: undefined };
  }

  /**
   * Publishes a local run. Files already there with the same content are skipped (a cloud run's outputs,
   * or a push that was cut short); a file there with other content stops the push. The manifest goes
   * last: from then on the run is listed as complete.
   */
  async push(run: RunSummary, io: IoHost): Promise<{ files: number; bytes: number; skipped: number }> {
    if (!run.complete || !run.manifest) {
      throw new UsageError(
        `run ${run.id} is not complete (${run.manifest?.status ?? "no manifest"}): only a finished run can be shared`,
        {
          hint: "`kindling runs` shows how it ended; a cloud run that ended while no CLI watched can be finished with `kindling collect`.",
        },
      );
    }
    const prefix = `${REMOTE_PREFIX}${run.id}/`;
    const uri = this.uriOf(run.id);
    const there = await this.getJson<Manifest>(`${prefix}${MANIFEST}`);
    if (there) {
      throw new HistoryConflictError(
        `run ${run.id} is already in ${uri}; the shared history never overwrites a run`,
        {
          hint: `\`kindling runs --remote\` lists it; \`kindling pull ${run.id}\` brings the shared copy down.`,
        },
      );
    }
    const files = (await filesUnder(run.dir)).filter(
      (f) => f !== MANIFEST && !LOCAL_ONLY.has(path.basename(f)),
    );
    const span = io.span(CODES.RUN_PUSH.msg(`Pushing run ${run.id} to ${uri}`, { runId: run.id, uri }));
    let bytes = 0;
    let skipped = 0;
    try {
      for (const [i, file] of [...files, MANIFEST].entries()) {
        const local = path.join(run.dir, ...file.split("/"));
        const size = (await stat(local)).size;
        const key = `${prefix}${file}`;
        if (file !== MANIFEST && (await this.sameObject(key, local, size))) {
          skipped += 1;
        } else {
          await this.putNew(key, local, size, run.id);
          bytes += size;
        }
        span.update(`${i + 1}/${files.length + 1} files, ${formatBytes(bytes)}`);
      }
      span.succeed(
        `${files.length + 1} files, ${formatBytes(bytes)} sent${skipped ? `, ${skipped} already there` : ""}`,
      );
    } catch (error) {
      span.fail();
      throw error;
    }
    return { files: files.length + 1, bytes, skipped };
  }

  /**
   * Brings a complete run down into `root/<id>`: downloaded into a hidden folder beside it, `_SUCCESS`
   * written last, then renamed into place, so the local store never shows half a run. The CLI's uploads
   * for the cluster (code/) stay behind.
   */
  async pull(id: string, root: string, io: IoHost): Promise<{ dir: string; files: number; bytes: number }> {
    const run = await this.read(id);
    if (!run.complete) {
      throw new UsageError(
        `run ${id} in ${run.uri} is not complete (${run.manifest?.status ?? "no manifest yet"}); only finished runs can be pulled`,
        {
          hint: "A cloud run still going finishes on its own; `kindling runs --remote` shows the state.",
        },
      );
    }
    const dir = path.join(root, id);
    if (
      await stat(dir).then(
        () => true,
        () => false,
      )
    ) {
      throw new UsageError(`run ${id} is already here: ${dir}`, {
        hint: "Nothing was downloaded. Delete that folder first if you want the shared copy instead.",
      });
    }
    const staging = path.join(root, `.pull-${id}-${randomBytes(4).toString("hex")}`);
    const prefix = `${REMOTE_PREFIX}${id}/`;
    const span = io.span(
      CODES.RUN_PULL.msg(`Pulling run ${id} from ${run.uri}`, { runId: id, uri: run.uri }),
    );
    let files = 0;
    let bytes = 0;
    try {
      await mkdir(staging, { recursive: true, mode: PRIVATE_DIR });
      let token: string | undefined;
      do {
        const page = await this.s3.listObjectsV2({
          Bucket: this.bucket,
          Prefix: prefix,
          ContinuationToken: token,
        });
        for (const object of page.Contents ?? []) {
          const relative = object.Key?.slice(prefix.length) ?? "";
          const target = localPathOf(staging, relative);
          if (!target) continue;
          await mkdir(path.dirname(target), { recursive: true, mode: PRIVATE_DIR });
          const res = await this.s3.getObject({ Bucket: this.bucket, Key: object.Key });
          await pipeline(
            (res.Body as Readable | undefined) ?? Readable.from([]),
            createWriteStream(target, { mode: PRIVATE_FILE }),
          );
          files += 1;
          bytes += object.Size ?? 0;
          span.update(`${files} files, ${formatBytes(bytes)}`);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      await writeFile(path.join(staging, SUCCESS_MARKER), "", { mode: PRIVATE_FILE });
      await rename(staging, dir);
      span.succeed(`${files} files, ${formatBytes(bytes)}`);
      return { dir, files, bytes };
    } catch (error) {
      span.fail();
      await rm(staging, { recursive: true, force: true }).catch(() => {});
      throw error;
    }
  }

  /**
   * Whether the object is there with this file's content. Objects Kindling put carry a SHA-256 checksum,
   * compared exactly; others (a cloud job's outputs, written by Spark) are compared by size, since an
   * ETag is an MD5 only for single-part uploads without SSE-KMS, and the foundation's bucket may use it.
   */
  private async sameObject(key: string, file: string, size: number): Promise<boolean> {
    let head: HeadObjectCommandOutput;
    try {
      head = await this.s3.headObject({ Bucket: this.bucket, Key: key, ChecksumMode: "ENABLED" });
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    const checksum = head.ChecksumSHA256;
    const whole = checksum !== undefined && !checksum.includes("-");
    const same =
      head.ContentLength === size &&
      (!whole || checksum === Buffer.from((await fileDigest(file)).sha256, "hex").toString("base64"));
    if (!same) {
      throw new HistoryConflictError(
        `s3://${this.bucket}/${key} is already there with other content; the shared history never overwrites`,
        {
          hint: "Someone pushed a different run under the same id, or the object was changed by hand; compare them before going on.",
        },
      );
    }
    return true;
  }

  /** Puts an object only if the key is free; a key taken meanwhile (someone else pushing) is a conflict. */
  private async putNew(key: string, file: string, size: number, runId: string): Promise<void> {
    try {
      await this.s3.putObject({
        Bucket: this.bucket,
        Key: key,
        // Streamed: a run may hold features or models of hundreds of MB (PutObject takes up to 5 GB).
        Body: size === 0 ? "" : createReadStream(file),
        ContentLength: size,
        IfNoneMatch: "*",
        ChecksumAlgorithm: "SHA256",
      });
    } catch (error) {
      if (httpStatus(error) === 412 || errorName(error) === "PreconditionFailed") {
        throw new HistoryConflictError(
          `s3://${this.bucket}/${key} appeared while pushing run ${runId}: someone else is pushing it; nothing was overwritten`,
          {
            hint: "`kindling runs --remote` shows what is there now.",
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  private async getJson<T>(key: string): Promise<T | undefined> {
    try {
      const res = await this.s3.getObject({ Bucket: this.bucket, Key: key });
      const text = (await res.Body?.transformToString("utf8")) ?? "";
      return JSON.parse(text) as T;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (error instanceof SyntaxError) {
        throw new KindlingError(`s3://${this.bucket}/${key} is not valid JSON: ${error.message}`);
      }
      throw error;
    }
  }
}

/** Publishes a run that just completed on a cloud target: its outputs are there, the rest goes up. */
export async function publishCompletedRun(
  s3: HistoryS3,
  bucket: string,
  run: RunDir,
  io: IoHost,
): Promise<void> {
  const summary = await new RunStore(path.dirname(run.dir)).read(run.id);
  await new RemoteRunStore(s3, bucket).push(summary, io);
}

/** What a cloud run still in flight shows: its identity from the spec it started with. */
function partialManifest(spec: JobSpec): Manifest {
  return {
    manifest_version: 1,
    run_id: spec.run.id,
    project: "",
    status: "running",
    target: spec.run.target,
    master: "",
    created_at: spec.run.created_at,
    config_file: "",
    config_hash: "",
    spec_hash: "",
    input: { uri: spec.input.uri, bytes: 0, sha256: "" },
    versions: { kindling: spec.run.kindling_version, node: "" },
  };
}

/**
 * Whether a relative S3 key is a plain path: no empty, "." or ".." segment, and no backslash or drive
 * colon (separators on Windows). S3 keys are not paths: "./_SUCCESS" would land on another file than its
 * name says, "../x" outside the folder.
 */
export function isPlainKey(relative: string): boolean {
  return !relative.split("/").some((s) => s === "" || s === "." || s === ".." || /[\\:]/.test(s));
}

/**
 * Where a remote key lands in a pulled run, or undefined for what stays behind: the cluster's code and
 * EMR's folder markers, the job's own `_SUCCESS` (the pull writes its own, last), and any key that is not
 * a plain relative path (`.`/`..`, empty, backslash or drive-letter segments) — a key must not place a file
 * outside the run.
 */
export function localPathOf(dir: string, relative: string): string | undefined {
  if (!relative || relative.endsWith("/") || relative.endsWith("_$folder$")) return undefined;
  if (!isPlainKey(relative)) return undefined;
  const segments = relative.split("/");
  if (segments[0] === "code" || relative === SUCCESS_MARKER) return undefined;
  const target = path.join(dir, ...segments);
  return target.startsWith(path.resolve(dir) + path.sep) ? target : undefined;
}
