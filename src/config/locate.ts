import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";

export interface Position {
  line: number;
  column: number;
}

/**
 * Finds where `path` is written in a YAML document. For a key that does not exist it returns the deepest
 * ancestor that does, so a "missing key" error still points at its section. `keyOf` asks for the
 * position of the key itself (used for unknown keys) rather than its value.
 */
export function locate(
  doc: Document,
  counter: LineCounter,
  path: readonly PropertyKey[],
  keyOf?: string,
): Position | undefined {
  let node: unknown = doc.contents;
  let found: Node | null | undefined = doc.contents;
  for (const segment of [...path, ...(keyOf === undefined ? [] : [keyOf])]) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) break;
      const isLast = segment === keyOf;
      found = isLast ? (pair.key as Node) : ((pair.value as Node | null) ?? (pair.key as Node));
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      found = item;
      node = item;
    } else {
      break;
    }
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = counter.linePos(offset);
  return { line, column: col };
}
