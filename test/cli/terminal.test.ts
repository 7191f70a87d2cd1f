import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { TerminalRenderer } from "../../src/cli/render/terminal.js";
import { CODES } from "../../src/ui/codes.js";

/** A stream that says it is a terminal (or not) and keeps what was written. */
function stream(tty: boolean) {
  // The cursor calls a spinner makes, written as the escape codes a terminal would receive.
  const cursor = {
    cursorTo: (x: number) => s.write(`\x1b[${x + 1}G`),
    moveCursor: (_x: number, y: number) => s.write(y < 0 ? `\x1b[${-y}A` : ""),
    clearLine: () => s.write("\x1b[2K"),
  };
  const s = Object.assign(new PassThrough(), {
    isTTY: tty,
    columns: 120,
    ...cursor,
  }) as unknown as NodeJS.WriteStream;
  let text = "";
  (s as unknown as PassThrough).on("data", (d) => {
    text += String(d);
  });
  return { s, text: () => text };
}

const watch = () => CODES.EMR_CLUSTER_WATCH.msg("Cluster j-1", { clusterId: "j-1" });

describe("TerminalRenderer", () => {
  it("on a terminal, a span's progress stays on screen while the timer ticks (the cost so far is not overwritten)", async () => {
    const err = stream(true);
    const out = stream(false);
    const renderer = new TerminalRenderer({ verbose: false, err: err.s, out: out.s, env: {} });
    const span = renderer.span(watch());
    span.update("cluster RUNNING · step RUNNING · ~$0.04 so far");
    await new Promise((r) => setTimeout(r, 450));
    // Each redraw starts after a cursor move: the last frame with the span's name is what is on screen.
    const ESC = String.fromCharCode(27);
    const frames = err.text().split(new RegExp(`\r|${ESC}\\[\\d*[GKA]`));
    const last = frames.filter((f) => f.includes("Cluster j-1")).pop() ?? "";
    expect(last).toMatch(/Cluster j-1 · cluster RUNNING · step RUNNING · ~\$0\.04 so far · \d+(\.\d)? s/);
    span.succeed("TERMINATED after 9 min 3 s");
    expect(err.text()).toMatch(/Cluster j-1 \(TERMINATED after 9 min 3 s\)/);
  });

  it("on a terminal, spans running at once share one spinner, a line each; each ends on a line of its own", async () => {
    const err = stream(true);
    const renderer = new TerminalRenderer({ verbose: false, err: err.s, out: stream(false).s, env: {} });
    const stage = (name: string) => CODES.JOB_STAGE.msg(name, { stage: name });
    const train = renderer.span(stage("Train hashing_tf"));
    const fit = renderer.span(stage("Featurize word2vec"));
    train.update("fold 1/2 · 1/4 fits");
    await new Promise((r) => setTimeout(r, 250));
    const ESC = String.fromCharCode(27);
    const screen = () => err.text().split(new RegExp(`\r|${ESC}\\[\\d*[GKA]`));
    const both =
      screen()
        .filter((f) => f.includes("Train hashing_tf ·"))
        .pop() ?? "";
    expect(both).toMatch(
      /Train hashing_tf · fold 1\/2 · 1\/4 fits · [\d.]+ s\n {2}Featurize word2vec · [\d.]+ s/,
    );
    train.succeed("3 s");
    await new Promise((r) => setTimeout(r, 250));
    // The ended span's line stays; the one still running goes on below it, alone.
    const [before = "", after = ""] = err.text().split(/✔\S* Train hashing_tf \(3 s\)\n/);
    expect(before).toContain("Featurize word2vec ·");
    expect(after).toMatch(/Featurize word2vec · [\d.]+ s/);
    expect(after).not.toContain("Train hashing_tf");
    fit.fail("failed");
    await new Promise((r) => setTimeout(r, 10));
    expect(err.text()).toMatch(/✖\S* Featurize word2vec \(failed\)\n$/);
  });

  it.each([{ CI: "true" }, { TERM: "dumb" }])(
    "a terminal under %o gets plain lines, not a spinner",
    (env) => {
      const err = stream(true);
      const span = new TerminalRenderer({ verbose: false, err: err.s, env }).span(watch());
      span.succeed("done");
      expect(err.text()).toBe("… Cluster j-1\n✔ Cluster j-1 (done)\n");
    },
  );

  it("without a terminal (CI logs), a span prints its start, its progress every 30 s, and its end", () => {
    let now = 0;
    const err = stream(false);
    const renderer = new TerminalRenderer({ verbose: false, err: err.s, now: () => now });
    const span = renderer.span(watch());
    span.update("cluster STARTING · ~$0.01 so far");
    now = 31_000;
    span.update("cluster RUNNING · ~$0.02 so far");
    now = 32_000;
    span.update("cluster RUNNING · ~$0.03 so far");
    now = 70_000;
    span.update("cluster RUNNING · ~$0.05 so far");
    span.succeed();
    expect(err.text().trim().split("\n")).toEqual([
      "… Cluster j-1",
      "  Cluster j-1: cluster RUNNING · ~$0.02 so far (31 s)",
      "  Cluster j-1: cluster RUNNING · ~$0.05 so far (1 min 10 s)",
      "✔ Cluster j-1 (1 min 10 s)",
    ]);
  });

  it("without a terminal, a long span with nothing new to say still prints that it runs, every 30 s", () => {
    vi.useFakeTimers();
    try {
      const err = stream(false);
      const renderer = new TerminalRenderer({ verbose: false, err: err.s, now: () => Date.now() });
      const span = renderer.span(CODES.JOB_STAGE.msg("Featurize word2vec", { stage: "featurize:word2vec" }));
      vi.advanceTimersByTime(65_000);
      span.succeed();
      vi.advanceTimersByTime(60_000); // ended: no more lines
      expect(err.text().trim().split("\n")).toEqual([
        "… Featurize word2vec",
        "  Featurize word2vec: running (30 s)",
        "  Featurize word2vec: running (1 min 0 s)",
        "✔ Featurize word2vec (1 min 5 s)",
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("without a terminal, progress that comes more often than the heartbeat is what the heartbeat prints", () => {
    vi.useFakeTimers();
    try {
      const err = stream(false);
      const renderer = new TerminalRenderer({ verbose: false, err: err.s, now: () => Date.now() });
      const span = renderer.span(CODES.JOB_STAGE.msg("Train tfidf", { stage: "train:tfidf" }));
      for (let fit = 1; fit <= 13; fit += 1) {
        vi.advanceTimersByTime(5_000);
        span.update(`${fit}/13 fits`);
      }
      span.succeed();
      expect(err.text().trim().split("\n")).toEqual([
        "… Train tfidf",
        "  Train tfidf: 5/13 fits (30 s)",
        "  Train tfidf: 11/13 fits (1 min 0 s)",
        "✔ Train tfidf (1 min 5 s)",
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("debug only with --verbose; warnings marked; results on stdout", () => {
    const err = stream(false);
    const out = stream(false);
    const quiet = new TerminalRenderer({ verbose: false, err: err.s, out: out.s });
    quiet.notify(CODES.JOB_LOG.msg("INFO SparkContext: …", { stream: "stderr", line: "" }));
    quiet.notify(
      CODES.EMR_TERMINATING.msg("Terminating cluster j-1 (interrupted)…", { clusterId: "j-1", why: "x" }),
    );
    quiet.notify(CODES.INFRA_TOOLKIT_RESULT.msg("the diff", {}));
    expect(err.text()).toBe("warning: Terminating cluster j-1 (interrupted)…\n");
    expect(out.text()).toBe("the diff\n");
    const loud = new TerminalRenderer({ verbose: true, err: err.s, out: out.s });
    loud.notify(CODES.JOB_LOG.msg("INFO SparkContext: …", { stream: "stderr", line: "" }));
    expect(err.text()).toMatch(/INFO SparkContext/);
  });
});
