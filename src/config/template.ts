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
# Kindling config. Reference: README.md#config.
version: 1
project: ${options.project}
# Defaults for what this file leaves out: recommended (measured on the demo corpus, docs/presets.md) or
# seed (the seed pipeline's settings). A key set below always wins over the preset.
preset: recommended

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

# features:                    # the recommended preset's choices; uncomment one to change it
#   hashing_tf: { num_features: 262144, binary: true, ngrams: 1 }
#   tfidf: { num_features: 262144, binary: true, ngrams: 1 }
#   word2vec: { enabled: false }  # true trains Word2Vec vectors too (the slowest set)

train:
  train_fraction: 0.7
  seed: 11
  folds: 2
  metric: f1
  # classifiers: [logistic_regression, naive_bayes]       # linear_svc too, if you like
  # standardization: false
  # grid: { max_iter: [100], reg_param: [0.0001, 0.001] }   # logistic regression's
  # class_weights: none           # balanced: every label weighs the same, however rare

output:
  dir: runs
  write_features: false

cache:
  prepared_text: true
  max_size: 10g

spark:
  master: local[*]
  driver_memory: 2g

# Extra Python packages your cloud runs need, pinned; they travel with the job (built for the cluster's
# Python and CPU), so nodes need no bootstrap action and no internet.
# python:
#   packages: ["nltk==3.9.1"]

# Environments: named changes to the keys above, chosen with --env NAME (or KINDLING_ENV). The name becomes
# aws.environment, so each one has its own stack (kindling-<project>-<name>), buckets and clusters.
# environments:
#   dev:
#     default: true
#   prod:
#     confirm: [deploy, destroy, run]   # these ask first (--yes in scripts)
#     aws: { account: "123456789012", region: eu-west-1, encryption: sse-kms }
#     emr: { core: { count: 4 } }
`;
}
