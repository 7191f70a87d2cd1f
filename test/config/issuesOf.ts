import { expect } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { ConfigError } from "../../src/errors.js";

/** The problems a config text is rejected with; fails the test when it is accepted. */
export function issuesOf(text: string) {
  try {
    parseConfig(text, "kindling.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error("expected the config to be rejected");
}
