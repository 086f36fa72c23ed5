/**
 * The sidecar `FILE.meta.json` written next to an exported figure FILE: which experiments (id, seed, the
 * full spec and its hash), which figure kind, style and format, which app version. specHash is
 * SHA-256 of the spec's canonical JSON (object keys sorted recursively, no whitespace), so the
 * same spec always hashes the same, whatever order its keys were written in.
 */
import { createHash } from 'node:crypto';
import { types } from 'node:util';
import { APP_NAME, APP_VERSION } from '../../shared/app';

export const SIDECAR_SCHEMA = 'w2s-lab/figure-sidecar@1';

/**
 * The sidecar's file name beside a figure file: the whole name and `.meta.json` (`fig.pdf` →
 * `fig.pdf.meta.json`), so a PDF and an SVG of one base name keep each their own sidecar.
 */
export function sidecarFileName(figureFile: string): string {
  return `${figureFile}.meta.json`;
}

/** JSON with object keys sorted recursively (code-unit order); otherwise JSON.stringify's rules. */
export function canonicalJson(value: unknown): string {
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (types.isTypedArray(v)) return Array.from(v as ArrayLike<number>);
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return walk((v as { toJSON: () => unknown }).toJSON());
    if (Array.isArray(v)) return v.map(walk);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = walk((v as Record<string, unknown>)[k]);
    return out;
  };
  return JSON.stringify(walk(value)) ?? 'null';
}

/** SHA-256 (hex) of the canonical JSON of a spec. */
export function specHash(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec), 'utf8').digest('hex');
}

export interface SidecarExperiment {
  readonly id: number;
  readonly seed: number;
  readonly spec: unknown;
  /** The engine path its results come from ('preview': the O(1) approximation, docs/preview.md). */
  readonly path?: string;
}

export interface SidecarInput {
  readonly experiments: readonly SidecarExperiment[];
  /** Figure kind ('trajectories', 'heatmap', …). */
  readonly kind: string;
  readonly format: string;
  /** The figure style and/or the export settings used; written as given (keys sorted). */
  readonly style?: unknown;
  readonly settings?: unknown;
  /** Defaults to this build's version (package.json). */
  readonly appVersion?: string;
  /** Optional ISO time; left out by default so the sidecar is reproducible. */
  readonly createdAt?: string;
}

/** The sidecar as pretty-printed JSON text (keys sorted, trailing newline). */
export function sidecarJson(input: SidecarInput): string {
  const doc = {
    schema: SIDECAR_SCHEMA,
    app: APP_NAME,
    appVersion: input.appVersion ?? APP_VERSION,
    createdAt: input.createdAt,
    figure: { kind: input.kind, format: input.format, style: input.style, settings: input.settings },
    experiments: input.experiments.map((e) => ({ id: e.id, seed: e.seed, path: e.path, specHash: specHash(e.spec), spec: e.spec })),
  };
  return JSON.stringify(JSON.parse(canonicalJson(doc)), null, 2) + '\n';
}
