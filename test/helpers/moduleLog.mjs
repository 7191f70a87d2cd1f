// `node --import ./test/helpers/moduleLog.mjs …`: appends the URL of every module the program resolves to
// the file named by KINDLING_MODULE_LOG (ESM resolution, which is how Kindling imports its dependencies).
import { register } from "node:module";

register("./moduleLogHooks.mjs", import.meta.url, { data: { file: process.env.KINDLING_MODULE_LOG } });
