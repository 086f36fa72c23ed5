/** The fields in which experiments' specs differ: what a comparison table shows. */
import { type ExperimentSpec, resolvePath } from '../../engine/spec';

// flatten and differingFields live with the comparison's labels (charts/labels.ts): one rule for the table and the legend.
import { differingFields } from '../../charts/labels';

export { differingFields, flatten } from '../../charts/labels';

/** How a comparison labels an experiment's path: 'preview', or 'exact (reduced)' with the path 'auto' took. */
export function pathLabel(spec: ExperimentSpec): string {
  return spec.engine.path === 'preview' ? 'preview' : `exact (${resolvePath(spec)})`;
}

/**
 * True when the specs are one experiment run both ways: some on the preview path, some exact, and
 * nothing else differs (the seed included), so the comparison shows the preview's error alone.
 */
export function onlyPathDiffers(specs: readonly ExperimentSpec[]): boolean {
  const diff = differingFields(specs);
  const previews = specs.filter((s) => s.engine.path === 'preview').length;
  return previews > 0 && previews < specs.length && diff.length === 1 && diff[0].path === 'engine.path';
}
