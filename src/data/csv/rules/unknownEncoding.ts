import { isUtf8Name } from "../../bytes.js";
import { finding } from "../../findings.js";
import type { CsvRule } from "../rule.js";
import { decoderFor } from "../source.js";

/** A data.csv.encoding this check cannot decode is warned about: the bytes were not checked against it. */
export const unknownEncoding: CsvRule = (_facts, { csv }) =>
  isUtf8Name(csv.encoding) || decoderFor(csv.encoding) !== undefined
    ? []
    : [
        finding(
          "warning",
          "encoding-unchecked",
          "data.csv.encoding",
          `${JSON.stringify(csv.encoding)} is not a character set this check knows; the file is checked as ISO-8859-1 (Spark uses Java's name for it)`,
        ),
      ];
