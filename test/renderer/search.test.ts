/**
 * The builder's "Search for a boundary" (builder/search.ts, composables/useSearchStart.ts) and the
 * search panel's reading of a search (charts/searchFigure.ts's searchView): the section's fields
 * make the search `w2s search` would run, each bad field refused with the engine's own message on
 * that field, and Start search is one round trip (startSearch) whose refusal by field lands on the
 * search's fields or the builder's, and whose success opens the search's dashboard.
 */
import { createPinia, setActivePinia } from 'pinia';
import { effectScope, nextTick, ref } from 'vue';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SearchSchema } from '../../src/engine/search';
import type { IpcReply, LabBridgeApi, LabMethod } from '../../src/shared/labApi';
import { defaultSearchForm, searchErrorsByField, searchFromForm } from '../../src/renderer/src/builder/search';
import { defaultForm } from '../../src/renderer/src/builder/specToForm';
import { useSearchStart } from '../../src/renderer/src/composables/useSearchStart';
import { useSpecCheck } from '../../src/renderer/src/composables/useSpecCheck';

const opened: unknown[] = [];
vi.mock('../../src/renderer/src/stores/ui', () => ({ useUiStore: () => ({ open: (route: unknown) => opened.push(route) }) }));

describe('the search section’s fields', () => {
  it("default to the paper's question: the fraction improved crossing ½ along κ in [0, 0.95]", () => {
    const r = searchFromForm(defaultSearchForm());
    expect(r.errors).toEqual([]);
    expect(r.search).toEqual({ axis: 'teachers.kappa', from: 0, to: 0.95, target: 'fractionImproved', level: 0.5, maxReplicates: 8 });
    // What the backend fills in: a hundredth of the range.
    expect(SearchSchema.parse(r.search).tolerance).toBeCloseTo(0.0095, 15);
  });

  it('reads numbers as the builder does (percentages, exponents) and keeps a tolerance typed', () => {
    const r = searchFromForm({ ...defaultSearchForm(), axis: 'student.accuracy', from: '60 %', to: '0.9', level: '0.5', tolerance: '1e-3', maxReplicates: '4' });
    expect(r.search).toEqual({ axis: 'student.accuracy', from: 0.6, to: 0.9, target: 'fractionImproved', level: 0.5, tolerance: 0.001, maxReplicates: 4 });
  });

  it('refuses each bad field with its name, as SearchSchema words it', () => {
    expect(searchFromForm({ ...defaultSearchForm(), level: 'half' }).errors).toEqual(["search.level: 'half' is not a number (write e.g. 0.7, 1e-3 or 10000)"]);
    expect(searchFromForm({ ...defaultSearchForm(), level: '1.5' }).errors).toEqual(["search.level: must be in (0, 1) for target 'fractionImproved': a fraction of teachers, strictly between 0 and 1"]);
    expect(searchFromForm({ ...defaultSearchForm(), from: '0.9', to: '0.1' }).errors).toEqual(['search.to: must be > from = 0.9']);
    expect(searchFromForm({ ...defaultSearchForm(), axis: 'data.d', from: '10.5', to: '100' }).errors).toEqual(['search.from: must be an integer: data.d takes integers']);
    expect(searchFromForm({ ...defaultSearchForm(), maxReplicates: '0' }).errors).toEqual(['search.maxReplicates: must be an integer in [1, 1000]']);
    expect(searchFromForm({ ...defaultSearchForm(), tolerance: '2' }).errors[0]).toMatch(/^search\.tolerance: must be in \[/);
  });

  it('places errors: search fields on theirs, the spec’s for the builder, a search-wide one in the list', () => {
    const placed = searchErrorsByField(['search.level: too high', 'search.to: must be > from = 1', 'teachers.count: must be positive', 'search: a PGR needs the ceiling']);
    expect(placed.byField).toEqual({ level: ['too high'], to: ['must be > from = 1'] });
    expect(placed.others).toEqual(['teachers.count: must be positive']);
    expect(placed.general).toEqual(['search: a PGR needs the ceiling']);
  });
});

describe('useSearchStart', () => {
  const calls: { method: LabMethod; input: unknown }[] = [];
  let answer: (method: LabMethod) => IpcReply = () => ({ ok: true, value: [] });
  const bridge: LabBridgeApi = {
    call: async (method, input) => {
      calls.push({ method, input });
      return answer(method);
    },
    onEvent: () => () => undefined,
  };
  beforeEach(() => {
    (globalThis as { window?: unknown }).window = { lab: bridge };
    setActivePinia(createPinia());
    calls.length = 0;
    opened.length = 0;
  });
  afterEach(() => {
    delete (globalThis as { window?: unknown }).window;
  });

  function started() {
    const form = ref(defaultForm());
    const scope = effectScope();
    const { c, s } = scope.run(() => {
      const c = useSpecCheck(form);
      return { c, s: useSearchStart(form, c.validateNow, c.serverErrors) };
    })!;
    return { form, c, s, scope };
  }

  it('a good search: startSearch with the form’s spec and the search, then its dashboard', async () => {
    answer = (method) => (method === 'startSearch' ? { ok: true, value: { id: 12 } } : { ok: true, value: [] });
    const { c, s, scope } = started();
    await s.startSearch();
    expect(calls[0].method).toBe('startSearch');
    const sent = calls[0].input as { spec: unknown; search: unknown };
    expect(sent.spec).toEqual(c.check.value.spec);
    expect(sent.search).toEqual({ axis: 'teachers.kappa', from: 0, to: 0.95, target: 'fractionImproved', level: 0.5, maxReplicates: 8 });
    expect(opened).toEqual([{ view: 'experiment', id: 12 }]);
    expect(s.searchError.value).toBeNull();
    scope.stop();
  });

  it('a bad field is refused here, on its field, and nothing is sent', async () => {
    const { s, scope } = started();
    s.searchForm.value = { ...s.searchForm.value, level: '2' };
    // The edit's watcher runs (clearing what the lab said) before a click can.
    await nextTick();
    await s.startSearch();
    expect(calls).toEqual([]);
    expect(s.searchFieldErrors('level')).toEqual(["must be in (0, 1) for target 'fractionImproved': a fraction of teachers, strictly between 0 and 1"]);
    expect(s.searchFieldErrors('to')).toEqual([]);
    // The next edit clears it.
    s.searchForm.value = { ...s.searchForm.value, level: '0.5' };
    await nextTick();
    expect(s.searchFieldErrors('level')).toEqual([]);
    scope.stop();
  });

  it("the lab's refusal by field: the search's on its fields, the spec's on the builder's", async () => {
    const errors = ['search.target: cannot be \u0027pgr\u0027 with sft.ceiling false: the PGR needs the ceiling run', 'teachers.count: must be at most 7 here (got 8)'];
    answer = () => ({ ok: false, status: 400, message: `invalid spec: ${errors.join('; ')}`, errors });
    const { c, s, scope } = started();
    await s.startSearch();
    expect(calls.map((x) => x.method)).toEqual(['startSearch']);
    expect(s.searchFieldErrors('target')).toEqual(["cannot be 'pgr' with sft.ceiling false: the PGR needs the ceiling run"]);
    expect(c.fieldErrors('teachers.count')).toEqual(['must be at most 7 here (got 8)']);
    expect(s.searchError.value?.text).toBe('The lab rejected this search.');
    expect(opened).toEqual([]);
    scope.stop();
  });
});
