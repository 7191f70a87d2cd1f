import { type Override, parseOverride } from "../config/overrides.js";
import { UsageError } from "../errors.js";

/** Past this many runs a sweep asks first (or needs --yes): each run is a full training. */
export const SWEEP_CONFIRM_ABOVE = 8;

/** One `--set key=v1,v2,…` of a sweep: the key and each value it takes, in order. */
export interface SweepAxis {
  key: string;
  values: string[];
}

/**
 * Splits `key=v1,v2` at the commas between values, not those inside a YAML list, mapping or quotes, so
 * `train.grid.reg_param=[0,0.1],[0.01]` sweeps two grids.
 */
export function parseAxis(argument: string): SweepAxis {
  const eq = argument.indexOf("=");
  if (eq <= 0) {
    throw new UsageError(`--set ${JSON.stringify(argument)}: expected key.path=value1,value2,…`, {
      hint: "For example --set features.tfidf.num_features=1024,4096 --set train.folds=2,3.",
    });
  }
  const key = argument.slice(0, eq);
  const values: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = "";
  for (const ch of argument.slice(eq + 1)) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[" || ch === "{") depth += 1;
    else if (ch === "]" || ch === "}") depth -= 1;
    else if (ch === "," && depth === 0) {
      values.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  values.push(current.trim());
  if (values.some((v) => v === "")) {
    throw new UsageError(`--set ${argument}: an empty value between commas`, {
      hint: "List the values with single commas between them: key=1,2,3.",
    });
  }
  if (new Set(values).size !== values.length) {
    throw new UsageError(`--set ${argument}: a value is listed twice, which would train the same run twice`);
  }
  return { key, values };
}

/** Every combination of the axes' values (the first axis slowest), each as the overrides of one run. */
export function combinations(axes: readonly SweepAxis[]): Override[][] {
  const keys = axes.map((a) => a.key);
  const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
  if (repeated) throw new UsageError(`--set ${repeated} is given twice; list all its values in one --set`);
  let combos: Override[][] = [[]];
  for (const axis of axes) {
    combos = combos.flatMap((combo) => axis.values.map((v) => [...combo, parseOverride(`${axis.key}=${v}`)]));
  }
  return combos;
}
