// `npm run spec`: writes the job spec's generated artifacts (see src/spec/artifacts.ts).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { JOB_SPEC_DOC_FILE, jobSpecSchemaText, withFieldTables } from "../src/spec/artifacts.js";
import { JOB_SPEC_SCHEMA_FILE } from "../src/spec/jsonSchema.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
writeFileSync(path.join(root, JOB_SPEC_SCHEMA_FILE), jobSpecSchemaText());
const docFile = path.join(root, JOB_SPEC_DOC_FILE);
writeFileSync(docFile, withFieldTables(readFileSync(docFile, "utf8")));
process.stdout.write(`wrote ${JOB_SPEC_SCHEMA_FILE} and the field tables of ${JOB_SPEC_DOC_FILE}\n`);
