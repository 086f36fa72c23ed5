/**
 * The random-features setup as a lab spec (docs/random-features.md §9, docs/spec.md): a document with
 * `"setup": "random-features"` is the setup's configuration (config.ts: data, beta, features,
 * teachers.count, pretrain, sft, evaluation) plus `name` and `seed`. It is stored as an
 * ExperimentSpec, so that the grid (one cell: teachers with the ceiling × learning rates), the
 * budget, the store and the lab read it as they read the linear setups'; the linear-only fields of
 * that type hold fixed placeholders (LINEAR_ONLY), which the parser takes back unchanged and refuses
 * with any other value, naming the field.
 */
import { z } from 'zod';
import { fieldName, issueLines } from '../fieldErrors';
import { parseRandomFeaturesConfig, type RandomFeaturesConfig } from './config';

/** The fields an ExperimentSpec has only for this setup (absent for the linear setups, so their hashes stay). */
export interface RandomFeaturesSpecFields {
  readonly features?: RandomFeaturesConfig['features'];
  readonly evaluation?: RandomFeaturesConfig['evaluation'];
}

/** Whether a document asks for the random-features setup. */
export function isRandomFeaturesDocument(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && (input as Record<string, unknown>).setup === 'random-features';
}

/** Whether a stored or parsed spec is of this setup. */
export function isRandomFeaturesSpec(spec: { readonly setup: string }): boolean {
  return spec.setup === 'random-features';
}

/**
 * Fields of the linear setups that mean nothing here: the stored placeholder (what the parser writes
 * into the ExperimentSpec), and why another value is refused.
 */
const LINEAR_ONLY: readonly { path: string[]; placeholder: unknown; why: string }[] = [
  { path: ['student'], placeholder: { accuracy: 0.8, norm: [1] }, why: "the student is pretrained on random features (features.student, pretrain.studentPoints, pretrain.studentSteps); there is no target accuracy or initial norm to set (the norm puzzle's student.norm is a linear-model question)" },
  { path: ['teachers', 'accuracy'], placeholder: [0.7], why: 'the teachers are pretrained random-feature models (features.teacher, pretrain.teacherPoints, pretrain.teacherSteps); their accuracy is measured, not set' },
  { path: ['teachers', 'norm'], placeholder: 1, why: "a teacher's head comes from pretraining" },
  { path: ['teachers', 'kappa'], placeholder: undefined, why: 'κ = cos(w⊥, w_T⊥) is a linear model\'s angle; there is no cos in feature space' },
  { path: ['engine', 'path'], placeholder: 'dense', why: "the engine paths (reduced, preview, projected) are the linear model's; this setup runs its own kernels" },
  { path: ['search'], placeholder: undefined, why: 'the boundary search runs over the linear setups\' grid axes' },
  { path: ['data', 'spectrum'], placeholder: 'isotropic', why: 'the random features are drawn for isotropic data' },
  { path: ['data', 'groundTruth'], placeholder: 'random', why: 'w* is drawn uniformly on the sphere' },
  { path: ['data', 'heldOutSize'], placeholder: 10_000, why: 'accuracy is measured on evaluation.testPoints fresh points' },
  { path: ['sft', 'loss'], placeholder: undefined, why: 'the auxiliary-confidence loss is wired for the linear setups only' },
  { path: ['sft', 'softLabels'], placeholder: false, why: 'the student trains on the teacher\'s hard labels' },
  { path: ['sft', 'finiteSet'], placeholder: null, why: 'a finite training set is data.pool here' },
];

/** A sweep's fields: a grid over this setup's fields is not wired (one cell, one context per process). */
const SWEEP_FIELDS = ['axes', 'grid', 'replicates', 'sweep'] as const;

const HeaderSchema = z
  .object({
    name: z.string({ error: 'must be a string' }).max(200, { error: 'at most 200 characters' }).optional(),
    seed: z
      .number({ error: `must be an integer in [0, ${Number.MAX_SAFE_INTEGER}]` })
      .int({ error: `must be an integer in [0, ${Number.MAX_SAFE_INTEGER}]` })
      .refine((x) => x >= 0 && x <= Number.MAX_SAFE_INTEGER, { error: `must be an integer in [0, ${Number.MAX_SAFE_INTEGER}]` })
      .default(0),
  });

function getAt(doc: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = doc;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function deleteAt(doc: Record<string, unknown>, path: readonly string[]): void {
  let v: unknown = doc;
  for (const k of path.slice(0, -1)) {
    if (v === null || typeof v !== 'object') return;
    v = (v as Record<string, unknown>)[k];
  }
  if (v !== null && typeof v === 'object') delete (v as Record<string, unknown>)[path[path.length - 1]];
}

/** Paths of `doc` holding a list where the setup takes one number (sft.learningRates apart): in the linear setups, grid axes. */
function listPaths(doc: Record<string, unknown>, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [key, value] of Object.entries(doc)) {
    const path = [...prefix, key];
    if (path.join('.') === 'sft.learningRates') continue;
    if (Array.isArray(value)) out.push(path);
    else if (value !== null && typeof value === 'object') out.push(...listPaths(value as Record<string, unknown>, path));
  }
  return out;
}

/**
 * Validate a random-features document and fill in its defaults (config.ts): the configuration and
 * the header, which engine/spec.ts makes an ExperimentSpec (randomFeaturesSpecOf). Errors read
 * `field.path: rule (got X)` as the linear setups' do.
 */
export function parseRandomFeaturesSpec(input: Record<string, unknown>): { ok: true; config: RandomFeaturesConfig; header: { name?: string; seed: number } } | { ok: false; errors: string[] } {
  const doc = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  const errors: string[] = [];
  for (const field of SWEEP_FIELDS) {
    if (field in doc) {
      errors.push(`${field}: a sweep of setup 'random-features' is not wired yet (one cell per experiment): run one experiment per value`);
      delete doc[field];
    }
  }
  for (const { path, placeholder, why } of LINEAR_ONLY) {
    const value = getAt(doc, path);
    if (value === undefined) continue;
    if (JSON.stringify(value) !== JSON.stringify(placeholder)) errors.push(`${fieldName(path)}: applies only to the linear setups ('random-teacher', 'shared-pretraining'), not to setup 'random-features': ${why}`);
    deleteAt(doc, path);
  }
  for (const key of ['teachers', 'engine']) {
    const v = doc[key];
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) delete doc[key];
  }
  const data = doc.data;
  if (data !== null && typeof data === 'object' && !Array.isArray(data) && (data as Record<string, unknown>).nu === undefined) delete (data as Record<string, unknown>).nu;
  const { setup: _setup, name, seed, ...rest } = doc;
  for (const path of listPaths(rest)) {
    errors.push(`${fieldName(path)}: a list here would be a grid axis, and a sweep of setup 'random-features' is not wired yet: give one number`);
    deleteAt(rest, path);
  }
  const header = HeaderSchema.safeParse({ name, seed });
  if (!header.success) errors.push(...issueLines(header.error.issues, { name, seed }));
  const parsed = parseRandomFeaturesConfig(rest);
  if (!parsed.ok) errors.push(...parsed.errors.map((line) => line.replace(/^\(config\)/, '(spec)')));
  if (errors.length > 0 || !header.success || !parsed.ok) return { ok: false, errors: [...new Set(errors)] };
  return { ok: true, config: parsed.config, header: header.data };
}

/**
 * The series columns a run of this spec records, in stored order (run.ts RandomFeaturesSeries):
 * `validation` with validation stopping, `firstLayerShift` when the first layer trains.
 */
export function randomFeaturesColumns(spec: { readonly sft: { readonly earlyStopping: string }; readonly features?: { readonly train: string } }): string[] {
  const columns = ['step', 'accuracy', 'agreement', 'headNorm', 'changed'];
  if (spec.sft.earlyStopping === 'validation') columns.push('validation');
  if (spec.features?.train === 'both') columns.push('firstLayerShift');
  return columns;
}
