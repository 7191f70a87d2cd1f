/**
 * `preset:` in kindling.yaml: defaults for the settings a file leaves out. `seed` is the schema's own
 * defaults (the seed pipeline's settings, minus its cleaning defect); `recommended` is what the benchmark
 * measured best on the demo corpus (docs/presets.md has the measurements behind each value). A key the
 * file sets always wins over the preset.
 */

export const PRESET_NAMES = ["seed", "recommended"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A partial config, in the file's own shape. */
type Overlay = { [key: string]: Overlay | unknown };

/** 2^18 hash buckets: few collisions for a vocabulary of tens of thousands of words (scikit-learn's choice too). */
const BUCKETS = 262_144;

export const PRESETS: Record<PresetName, Overlay> = {
  seed: {},
  recommended: {
    features: {
      // Presence (binary) beat counts on both sets: a word repeated in a mail's quoted reply or signature
      // says little more than the word once.
      hashing_tf: { num_features: BUCKETS, binary: true },
      tfidf: { num_features: BUCKETS, binary: true },
      // Its best was below both hashed sets, at the highest cost of the three: on when asked for.
      word2vec: { enabled: false },
    },
    train: {
      // Unstandardized features with a little L2: standardizing sparse text features lets rare words
      // weigh as much as common ones, and regularization (not the seed's max_iter grid) is what
      // cross-validation should tune.
      // reg_param 0.01 scored last on every set measured; 2 points instead of 3 save a third of the time.
      standardization: false,
      grid: { max_iter: [100], reg_param: [0.0001, 0.001] },
      // Naive Bayes costs seconds and is a second opinion of another kind; LinearSVC matched logistic
      // regression at 2-3x its time, so it is left for a config to ask for.
      classifiers: ["logistic_regression", "naive_bayes"],
    },
  },
};

/** The file's settings over the preset's (the file wins key by key); an unknown preset is left to the schema. */
export function withPreset(input: Record<string, unknown>): Record<string, unknown> {
  const name = input.preset ?? "seed";
  const preset = PRESET_NAMES.find((p) => p === name);
  return preset ? overlay(PRESETS[preset], input) : input;
}

/** `top` over `base`: mappings merge key by key, anything else (a list, a value) in `top` replaces. */
export function overlay(base: Overlay, top: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base, ...top };
  for (const [key, value] of Object.entries(base)) {
    const mine = top[key];
    if (isPlainObject(value) && isPlainObject(mine)) merged[key] = overlay(value, mine);
  }
  return merged;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
