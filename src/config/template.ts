/** The kindling.yaml that `kindling init` and `kindling demo` write: every default shown, commented. */
export function configTemplate(options: {
  project: string;
  dataPath: string;
  text: string;
  label: string;
  /** Path of schema/kindling.schema.json relative to the config, for editors. */
  schemaPath: string;
}): string {
  return `# yaml-language-server: $schema=${options.schemaPath}
# Kindling config. Every value below the data section is the seed pipeline's default;
# delete what you do not change. Reference: README.md#config.
version: 1
project: ${options.project}

data:
  path: ${options.dataPath}      # CSV or Parquet, relative to this file
  text: ${options.text}          # column with the raw text
  label: ${options.label}        # column with the class (two or more values)
  # csv: { header: true, delimiter: ",", quote: '"', escape: '"', multiline: true, encoding: UTF-8 }

text:
  clean:                        # regex replacements, in order (Java regex syntax)
    - { pattern: "<[^<>]*>", replace: " " }      # each HTML tag (the seed's literal rule: "<.*/>" → "")
    - { pattern: '[^\\p{Alpha} ]', replace: " " } # all but ASCII letters (= [^A-Za-z ], faster) separates words
    - { pattern: " +", replace: " " }             # runs of spaces
  lowercase: true
  tokenizer_pattern: '\\W'
  stop_words: english           # english | none | [your, own, words]

features:
  hashing_tf: { num_features: 250 }
  tfidf: { num_features: 250 }
  word2vec: { vector_size: 250, min_count: 5 }

train:
  train_fraction: 0.7
  seed: 11
  folds: 2
  metric: f1
  grid:
    max_iter: [10, 15, 20]

output:
  dir: runs
  write_features: false

spark:
  master: local[*]
  driver_memory: 2g

# Extra Python packages your cloud runs need, pinned; they travel with the job (built for the cluster's
# Python and CPU), so nodes need no bootstrap action and no internet.
# python:
#   packages: ["nltk==3.9.1"]
`;
}
