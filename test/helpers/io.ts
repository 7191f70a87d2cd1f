import type { CommandIO } from "../../src/cli/io.js";
import { RecordingHost } from "./recordingHost.js";

/**
 * A CommandIO that records: library messages and the command's printed output land in one RecordingHost
 * (printed text with level "result"), the --json result is kept.
 */
export function recordingIo(cwd: string, signal = new AbortController().signal) {
  const host = new RecordingHost();
  let json: unknown;
  let exitCode = 0;
  const io: CommandIO = {
    host,
    print: (text) =>
      host.notify({ code: "KND_R9003", level: "result", message: text, data: null, time: new Date() }),
    emitJson: (value) => {
      json = value;
    },
    signal,
    cwd,
    verbose: false,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  return {
    io,
    host,
    json: <T = Record<string, unknown>>() => json as T,
    /** The exit code the command asked for (0 unless it set one). */
    exitCode: () => exitCode,
    /** What the command printed for a person, in order. */
    printed: () => host.messages.filter((m) => m.code === "KND_R9003").map((m) => m.message),
  };
}
