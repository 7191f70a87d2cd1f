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

/** A config text and the one problem it must be rejected with: where (key path, line) and what. */
export interface IssueCase {
  name: string;
  yaml: string;
  path: string;
  line: number;
  message: RegExp;
}

/** Checks that the config is rejected with an issue at `path`, on `line`, saying `message`. */
export function expectIssue({ yaml, path, line, message }: IssueCase): void {
  const issues = issuesOf(yaml);
  const issue = issues.find((i) => i.path === path);
  expect(issue, JSON.stringify(issues)).toBeDefined();
  expect(issue?.line).toBe(line);
  expect(issue?.message).toMatch(message);
}
