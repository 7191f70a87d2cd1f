import Table from "cli-table3";
import { loadConfig, loadOptionsOf } from "../../config/load.js";
import type { EmrTarget } from "../../targets/emr/target.js";
import { createTarget } from "../../targets/registry.js";
import { confirmInEnvironment } from "../environmentGate.js";
import type { CommandIO } from "../io.js";
import type { ClusterOptions } from "../options.js";
import { emrDepsFromEnv, targetContext } from "./run.js";

/** `kindling cluster start|list|stop`: warm EMR clusters, one for many runs while iterating. */
export async function clusterCommand(options: ClusterOptions, io: CommandIO): Promise<void> {
  const loaded = await loadConfig(options.config, loadOptionsOf(options));
  const target = (await createTarget(
    {
      name: "emr",
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.region ? { region: options.region } : {}),
      deps: emrDepsFromEnv(),
    },
    targetContext(loaded, io),
  )) as EmrTarget;
  if (options.action === "start") {
    await confirmInEnvironment(loaded, "cluster", "start a warm EMR cluster", { yes: options.yes });
  }
  await target.check();
  if (options.action === "start") {
    const cluster = await target.startCluster(options.idleMinutes ?? 15);
    io.emitJson(cluster);
    io.print(
      `Warm cluster ${cluster.id} is ${cluster.state}. Run on it with \`kindling run --target emr --cluster ${cluster.id}\` (or \`--cluster latest\`); it ends after ${options.idleMinutes ?? 15} idle minutes, or with \`kindling cluster stop ${cluster.id}\`.`,
    );
    return;
  }
  if (options.action === "stop") {
    const cluster = await target.stopCluster(options.cluster ?? "latest", options.wait ?? true);
    io.emitJson(cluster);
    io.print(`Cluster ${cluster.id}: ${cluster.state}.`);
    return;
  }
  const clusters = await target.listClusters();
  io.emitJson(clusters);
  if (clusters.length === 0) {
    io.print(
      `Project ${loaded.config.project} has no warm cluster up; \`kindling cluster start\` starts one.`,
    );
    return;
  }
  const table = new Table({ head: ["cluster", "state", "started"], style: { head: [], border: [] } });
  for (const c of clusters) table.push([c.id, c.state, c.createdAt ?? "—"]);
  io.print(table.toString());
}
