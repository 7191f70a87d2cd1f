import { KindlingError, UsageError } from "../errors.js";

/** MLflow's own limits per log-batch call (mlflow/utils/validation.py). */
const MAX_PARAMS_OR_TAGS = 100;
const MAX_METRICS = 1000;

export interface MlflowParam {
  key: string;
  value: string;
}
export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export type MlflowTag = MlflowParam;

export interface MlflowRunInfo {
  run_id: string;
  experiment_id: string;
  status: string;
  artifact_uri: string;
}

/** An MLflow server answered with an error (its error_code and message). */
export class MlflowError extends KindlingError {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * MLflow's tracking REST API (2.0) over fetch: what an export needs and nothing more, so exporting
 * needs no MLflow Python package. Credentials come from MLflow's own variables (MLFLOW_TRACKING_TOKEN,
 * or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) and are only ever sent as a header.
 */
export class MlflowClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(
    trackingUri: string,
    env: NodeJS.ProcessEnv = process.env,
    private readonly fetchFn: typeof fetch = fetch,
  ) {
    let url: URL;
    try {
      url = new URL(trackingUri);
    } catch {
      url = new URL("invalid:");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UsageError(
        `MLflow tracking URI ${JSON.stringify(redacted(trackingUri))}: Kindling exports to an MLflow tracking server over http(s)`,
        {
          hint: "Start one (`mlflow server --host 127.0.0.1 --port 5000`) and pass --tracking-uri http://127.0.0.1:5000, or set MLFLOW_TRACKING_URI.",
        },
      );
    }
    // MLflow also accepts credentials in the URI (https://user:pass@host): they become the header, and
    // the URI that is shown and fetched carries none.
    const inUri: Record<string, string> =
      url.username || url.password
        ? {
            authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`,
          }
        : {};
    url.username = "";
    url.password = "";
    this.base = url.href.replace(/\/+$/, "");
    this.headers = { "content-type": "application/json", ...inUri, ...authHeader(env) };
  }

  get uri(): string {
    return this.base;
  }

  /** The experiment's id, created when there is none of that name. */
  async experimentId(name: string): Promise<string> {
    try {
      const found = await this.call<{ experiment: { experiment_id: string } }>(
        "GET",
        `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      );
      return found.experiment.experiment_id;
    } catch (error) {
      if (!(error instanceof MlflowError && error.code === "RESOURCE_DOES_NOT_EXIST")) throw error;
    }
    const created = await this.call<{ experiment_id: string }>("POST", "/api/2.0/mlflow/experiments/create", {
      name,
    });
    return created.experiment_id;
  }

  /** Runs of the experiment carrying a tag with this value (not deleted ones). */
  async runsTagged(experimentId: string, key: string, value: string): Promise<MlflowRunInfo[]> {
    const res = await this.call<{ runs?: Array<{ info: MlflowRunInfo }> }>(
      "POST",
      "/api/2.0/mlflow/runs/search",
      {
        experiment_ids: [experimentId],
        filter: `tags.\`${key}\` = '${value.replaceAll("'", "\\'")}'`,
        run_view_type: "ACTIVE_ONLY",
        max_results: 10,
      },
    );
    return (res.runs ?? []).map((r) => r.info);
  }

  async createRun(
    experimentId: string,
    runName: string,
    startTime: number,
    tags: MlflowTag[],
  ): Promise<MlflowRunInfo> {
    const res = await this.call<{ run: { info: MlflowRunInfo } }>("POST", "/api/2.0/mlflow/runs/create", {
      experiment_id: experimentId,
      run_name: runName,
      start_time: startTime,
      tags,
    });
    return res.run.info;
  }

  /** Params, metrics and tags, in as many log-batch calls as MLflow's per-call limits need. */
  async logBatch(
    runId: string,
    batch: { params?: MlflowParam[]; metrics?: MlflowMetric[]; tags?: MlflowTag[] },
  ): Promise<void> {
    for (const params of chunks(batch.params ?? [], MAX_PARAMS_OR_TAGS)) {
      await this.call("POST", "/api/2.0/mlflow/runs/log-batch", { run_id: runId, params });
    }
    for (const tags of chunks(batch.tags ?? [], MAX_PARAMS_OR_TAGS)) {
      await this.call("POST", "/api/2.0/mlflow/runs/log-batch", { run_id: runId, tags });
    }
    for (const metrics of chunks(batch.metrics ?? [], MAX_METRICS)) {
      await this.call("POST", "/api/2.0/mlflow/runs/log-batch", { run_id: runId, metrics });
    }
  }

  /** Uploads one artifact through the server's artifact proxy (`mlflow-artifacts:` artifact URIs). */
  async uploadArtifact(artifactUri: string, relativePath: string, body: Uint8Array): Promise<void> {
    const root = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri)?.[1];
    if (root === undefined) {
      throw new KindlingError(
        `the MLflow server at ${this.base} stores this run's artifacts at ${artifactUri}, which Kindling cannot write to through the server`,
        {
          hint: "Start the server with artifact proxying (the default since MLflow 2: `mlflow server --serve-artifacts`, with --artifacts-destination for where they go).",
        },
      );
    }
    const path = `${root.replace(/\/$/, "")}/${relativePath}`.split("/").map(encodeURIComponent).join("/");
    await this.call("PUT", `/api/2.0/mlflow-artifacts/artifacts/${path}`, body, "application/octet-stream");
  }

  async finishRun(runId: string, endTime: number): Promise<void> {
    await this.call("POST", "/api/2.0/mlflow/runs/update", {
      run_id: runId,
      status: "FINISHED",
      end_time: endTime,
    });
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown, type?: string): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}${path}`, {
        method,
        headers: type ? { ...this.headers, "content-type": type } : this.headers,
        ...(body === undefined ? {} : { body: body instanceof Uint8Array ? body : JSON.stringify(body) }),
      });
    } catch (error) {
      throw new KindlingError(`cannot reach the MLflow server at ${this.base}: ${causeOf(error)}`, {
        hint: "Check that it is running and that --tracking-uri (or MLFLOW_TRACKING_URI) points at it.",
        cause: error,
      });
    }
    const text = await res.text();
    if (!res.ok) {
      let code: string | undefined;
      let message = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as { error_code?: string; message?: string };
        code = parsed.error_code;
        message = parsed.message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new MlflowError(
        res.status === 401 || res.status === 403
          ? `the MLflow server at ${this.base} refused the credentials (HTTP ${res.status}); set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD`
          : `MLflow ${method} ${path.split("?")[0]} failed (HTTP ${res.status}${code ? `, ${code}` : ""}): ${message}`,
        code,
        res.status,
      );
    }
    return (text ? JSON.parse(text) : {}) as T;
  }
}

/** A URI as it may be shown: any password in it replaced. */
function redacted(uri: string): string {
  return uri.replace(/\/\/([^/@:]*):[^/@]*@/, "//$1:***@");
}

function authHeader(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.MLFLOW_TRACKING_TOKEN) return { authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    const pair = Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`).toString(
      "base64",
    );
    return { authorization: `Basic ${pair}` };
  }
  return {};
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
