/**
 * Duplicating a search experiment (builder/search.ts withoutSearch, composables/useBuilderRoute.ts):
 * the builder opens with the experiment the search ran in its fields, not the grid of points the
 * search evaluated, and with the stored search in the search section, ready to run again.
 */
import { effectScope, nextTick } from 'vue';
import { describe, expect, it, vi } from 'vitest';
import { SearchSchema } from '../../src/engine/search';
import { parseSpec } from '../../src/engine/spec';
import { type SearchForm, searchFromForm, withoutSearch } from '../../src/renderer/src/builder/search';
import type { BuilderForm } from '../../src/renderer/src/builder/model';
import { formFromSpec } from '../../src/renderer/src/builder/specToForm';
import { useBuilderRoute } from '../../src/renderer/src/composables/useBuilderRoute';

const route = { view: 'builder', from: 7 as number | undefined, preset: undefined as string | undefined };
vi.mock('../../src/renderer/src/stores/ui', () => ({ useUiStore: () => ({ route, open: () => undefined }) }));

const BASE = { name: 'κ search', seed: 3, data: { law: 'gaussian', d: 50 }, student: { accuracy: 0.8, norm: 1 }, teachers: { count: 10, accuracy: 0.7 }, sft: { batchSize: 500, steps: 200, learningRates: [0.1] } };
const SEARCH = SearchSchema.parse({ axis: 'teachers.kappa', from: 0, to: 0.95, target: 'fractionImproved', level: 0.5, maxReplicates: 4 });

/** A search experiment as the store keeps it (labCommands.startSearch): the spec with `search` and the grid its rounds wrote. */
function storedSearch(): Record<string, unknown> {
  const r = parseSpec({ ...BASE, search: SEARCH, grid: [{ 'teachers.kappa': 0, replicate: 0 }, { 'teachers.kappa': 0.95, replicate: 0 }, { 'teachers.kappa': 0.475, replicate: 0 }] });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return JSON.parse(JSON.stringify(r.spec)) as Record<string, unknown>;
}

describe('a duplicated search experiment', () => {
  it('splits into the experiment it ran (no search, no evaluated grid) and its search, which makes the same search again', () => {
    const { spec, search } = withoutSearch(storedSearch());
    expect(Object.keys(spec as object)).not.toContain('search');
    expect(Object.keys(spec as object)).not.toContain('grid');
    expect(search).not.toBeNull();
    const again = searchFromForm(search as SearchForm);
    expect(again.errors).toEqual([]);
    // The backend's defaults filled in (the tolerance) come back as they were stored.
    expect(SearchSchema.parse(again.search)).toEqual(SEARCH);
    // A spec that is no search is left as it is.
    const plain = { ...BASE };
    expect(withoutSearch(plain)).toEqual({ spec: plain, search: null });
  });

  it('the builder opens with the experiment in the form and the search in its section', async () => {
    const forms: BuilderForm[] = [];
    const searches: SearchForm[] = [];
    const lab = { duplicateSpec: vi.fn(async ({ id }: { id: number }) => ({ spec: id === 7 ? storedSearch() : BASE })) };
    const scope = effectScope();
    const r = scope.run(() => useBuilderRoute((f) => forms.push(f), () => 'random-teacher', lab as never, (s) => searches.push(s)));
    r?.loadRoute();
    await vi.waitFor(() => expect(forms).toHaveLength(1));
    await nextTick();
    expect(lab.duplicateSpec).toHaveBeenCalledWith({ id: 7 });
    // The form is the base experiment's: the grid of evaluated κ is not carried into it; the
    // search's axis holds its first point, as the stored spec has it (the search sets it anew).
    expect(forms[0]).toEqual({ ...formFromSpec(BASE), 'teachers.kappa': String(SEARCH.from) });
    expect(searches).toHaveLength(1);
    expect(SearchSchema.parse(searchFromForm(searches[0]).search)).toEqual(SEARCH);
    expect(r?.title.value).toBe('Duplicate of #7');
    scope.stop();
  });
});
