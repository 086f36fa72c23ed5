/**
 * The "preview" mark of a figure drawn from a preview-path experiment (docs/preview.md): the
 * results are the O(1) approximation's, and a reader must be able to tell. Only a drawn title
 * carries it; a paper's figure without a title says it in its caption, and its sidecar names the
 * path of every experiment.
 */
import type { Figure, FigureInput, FigureStyle } from './types';

/** True when the experiment ran on the preview path ('auto' never takes it, so the spec says it). */
export const ranOnPreview = (input: Pick<FigureInput, 'spec'>): boolean => input.spec.engine.path === 'preview';

/** The title with its mark: ' · preview' for one experiment, ' · preview: #3, #5' among several. */
export function previewTitle(title: string, inputs: readonly FigureInput[]): string {
  const previews = inputs.filter(ranOnPreview);
  if (previews.length === 0) return title;
  return inputs.length === 1 ? `${title} · preview` : `${title} · preview: ${previews.map((i) => `#${i.id}`).join(', ')}`;
}

/** The figure with the mark in its drawn title (the option's title whose text is the figure's). */
export function markPreview(figure: Figure, inputs: readonly FigureInput[], style: FigureStyle): Figure {
  if (!style.showTitle) return figure;
  const title = previewTitle(figure.title, inputs);
  if (title === figure.title) return figure;
  const mark = (t: unknown) => (t !== null && typeof t === 'object' && (t as { text?: unknown }).text === figure.title ? { ...t, text: title } : t);
  const current = figure.option.title;
  return { ...figure, title, option: { ...figure.option, title: Array.isArray(current) ? current.map(mark) : mark(current) } as Figure['option'] };
}
