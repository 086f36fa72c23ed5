/**
 * The builder's composables without a page, in an effect scope with fake timers: the local check
 * runs a pause after the last edit and places its messages by field; the estimate asks the backend
 * a longer pause after the last edit, keeps only the reply to its newest request, and stops asking
 * when the builder goes away; Start is one round trip.
 */
import { createPinia, setActivePinia } from 'pinia';
import { effectScope, nextTick, ref } from 'vue';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IpcReply, LabBridgeApi, LabMethod, LabOutput } from '../../src/shared/labApi';
import { formSize } from '../../src/renderer/src/builder/size';
import { defaultForm } from '../../src/renderer/src/builder/specToForm';
import { useEstimate } from '../../src/renderer/src/composables/useEstimate';
import { useSpecCheck } from '../../src/renderer/src/composables/useSpecCheck';
import { nextStep, useStart } from '../../src/renderer/src/composables/useStart';

type Reply = LabOutput<'checkSpec'>;

// The page's routes (the hash, the saved theme) are not the builder's: Start's only route is recorded.
const opened: unknown[] = [];
vi.mock('../../src/renderer/src/stores/ui', () => ({ useUiStore: () => ({ open: (route: unknown) => opened.push(route) }) }));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Let watchers and settled promises run. */
async function flush(): Promise<void> {
  await nextTick();
  await Promise.resolve();
  await nextTick();
}

function reply(runs: number, expectedSeconds: number | null, previewSeconds: number | null = null): Reply {
  const side = (path: 'reduced' | 'preview', seconds: number | null) => ({ path, refused: [], expectedSeconds: seconds, estimateBasis: 'calibration probe just run' });
  return {
    ok: true,
    errors: [],
    spec: null,
    runs,
    samples: runs * 1000,
    expectedSeconds,
    estimateBasis: 'calibration probe just run',
    choices: { preview: side('preview', previewSeconds), exact: side('reduced', expectedSeconds) },
  };
}

/** A checkSpec whose replies the test hands out, in any order. */
function fakeLab() {
  const pending: { spec: unknown; settle: (r: Reply) => void; fail: (e: Error) => void }[] = [];
  const lab = {
    checkSpec: (input: { spec: unknown }) => new Promise<Reply>((settle, fail) => pending.push({ spec: input.spec, settle, fail })),
  };
  return { lab, pending };
}

describe('useSpecCheck', () => {
  it('checks 150 ms after the last edit, at once on validateNow, and an edit clears the errors from Start', async () => {
    const form = ref(defaultForm());
    const scope = effectScope();
    const c = scope.run(() => useSpecCheck(form))!;
    expect(c.check.value.valid).not.toBeNull();

    c.serverErrors.value = ['teachers.count: must be smaller'];
    expect(c.fieldErrors('teachers.count')).toEqual(['must be smaller']);

    form.value['teachers.accuracy'] = '0.4';
    await flush();
    expect(c.serverErrors.value).toEqual([]);
    vi.advanceTimersByTime(149);
    expect(c.check.value.valid).not.toBeNull();
    vi.advanceTimersByTime(1);
    expect(c.check.value.valid).toBeNull();
    expect(c.fieldErrors('teachers.accuracy')).toEqual([expect.stringContaining('beat chance')]);

    form.value['teachers.accuracy'] = '0.7';
    await flush();
    expect(c.validateNow().valid).not.toBeNull();
    expect(c.fieldErrors('teachers.accuracy')).toEqual([]);

    // A hidden field's error (the student, under shared pretraining) goes to the general list.
    form.value = { ...form.value, setup: 'shared-pretraining' };
    c.serverErrors.value = ['student.accuracy: must be in (0, 1)'];
    expect(c.errors.value.general).toEqual(['student.accuracy: must be in (0, 1)']);
    scope.stop();
  });
});

describe('useEstimate', () => {
  it('asks 300 ms after the last edit and keeps only the reply to its newest request', async () => {
    const { lab, pending } = fakeLab();
    const form = ref(defaultForm());
    const scope = effectScope();
    const { c, e } = scope.run(() => {
      const c = useSpecCheck(form);
      return { c, e: useEstimate(form, c.check, lab) };
    })!;
    // Before any reply: the form's own count, and the time is on its way.
    expect(e.time.value).toBe('estimating…');
    expect(e.basis.value).toBe('');
    expect(e.stale.value).toBe(true);
    expect(e.runs.value).toBe(formSize(form.value).runs);

    void e.refresh();
    form.value['teachers.count'] = '8';
    await flush();
    vi.advanceTimersByTime(299);
    expect(pending).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(pending).toHaveLength(2);
    expect(pending[1].spec).toEqual(c.check.value.spec);

    // The newer reply arrives first; the older one, arriving late, is dropped.
    pending[1].settle(reply(63, 42, 0.5));
    await flush();
    pending[0].settle(reply(707, 1000, 9));
    await flush();
    expect(e.runs.value).toBe(63);
    // Both sides of the Preview / Exact choice come from the same, newest reply.
    expect(e.choices.value?.preview.expectedSeconds).toBe(0.5);
    expect(e.choices.value?.exact.expectedSeconds).toBe(42);
    expect(e.samples.value).toBe(63_000);
    expect(e.time.value).toBe('about 42 s');
    expect(e.basis.value).toBe('Calibration probe just run.');
    expect(e.stale.value).toBe(false);

    // An edit makes the reply stale: the counts are the form's own until the next one.
    form.value['teachers.count'] = '9';
    await flush();
    vi.advanceTimersByTime(150);
    expect(e.stale.value).toBe(true);
    expect(e.runs.value).toBe(formSize(form.value).runs);

    // Gone before its pause is over: no request is sent.
    scope.stop();
    vi.advanceTimersByTime(1000);
    expect(pending).toHaveLength(2);
  });

  it('says the lab did not answer, and why, until a reply comes back', async () => {
    const { lab, pending } = fakeLab();
    const form = ref(defaultForm());
    const scope = effectScope();
    const e = scope.run(() => useEstimate(form, useSpecCheck(form).check, lab))!;
    void e.refresh();
    pending[0].fail(new Error('connection refused'));
    await flush();
    expect(e.time.value).toBe('the lab did not answer');
    expect(e.basis.value).toBe('Could not reach the lab for a time estimate: connection refused');
    void e.refresh();
    pending[1].settle(reply(707, null));
    await flush();
    expect(e.time.value).toBe('not measured yet');
    scope.stop();
  });
});

describe('useSpecCheck parses a form once', () => {
  it('validateNow after the pause, or on a form already checked, gives the same check (no parse)', async () => {
    const form = ref(defaultForm());
    const scope = effectScope();
    const c = scope.run(() => useSpecCheck(form))!;
    const first = c.check.value;
    expect(c.validateNow()).toBe(first);
    form.value['teachers.count'] = '7';
    await flush();
    vi.advanceTimersByTime(150);
    const second = c.check.value;
    expect(second).not.toBe(first);
    expect(c.validateNow()).toBe(second);
    // The same form again (a load of what is shown): checked already, nothing waits.
    form.value = { ...form.value };
    await flush();
    vi.advanceTimersByTime(1000);
    expect(c.check.value).toBe(second);
    scope.stop();
  });
});

describe('useStart', () => {
  // One bridge for the file (useLab keeps the first it finds): each test says how it answers.
  const calls: LabMethod[] = [];
  let answer: (method: LabMethod) => IpcReply = () => ({ ok: true, value: [] });
  const bridge: LabBridgeApi = {
    call: async (method) => {
      calls.push(method);
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
      return { c, s: useStart(form, c.validateNow, c.serverErrors) };
    })!;
    return { c, s, scope };
  }

  it('is one round trip: submit, whose refusal by field lands on the fields', async () => {
    const errors = ['teachers.count: must be at most 7 here (got 8)'];
    answer = () => ({ ok: false, status: 400, message: `invalid spec: ${errors.join('; ')}`, errors });
    const { c, s, scope } = started();
    await s.start();
    expect(calls).toEqual(['submit']);
    expect(c.fieldErrors('teachers.count')).toEqual(['must be at most 7 here (got 8)']);
    expect(s.submitError.value).toEqual({ text: 'The lab rejected this spec.', next: nextStep(400) });
    expect(opened).toEqual([]);
    scope.stop();
  });

  it('a good spec: submit alone (no checkSpec first), then its dashboard', async () => {
    answer = (method) => (method === 'submit' ? { ok: true, value: { id: 4 } } : { ok: true, value: [] });
    const { s, scope } = started();
    await s.start();
    expect(calls[0]).toBe('submit');
    expect(calls).not.toContain('checkSpec');
    expect(opened).toEqual([{ view: 'experiment', id: 4 }]);
    expect(s.submitError.value).toBeNull();
    scope.stop();
  });

  it('says what to do after a failed Start by the kind of failure', () => {
    expect(nextStep(0)).toMatch(/did not answer/);
    expect(nextStep(400)).toMatch(/^Fix the fields marked below/);
    expect(nextStep(500)).toMatch(/w2s run SPEC\.json/);
    expect(nextStep(undefined)).toBe(nextStep(500));
  });
});
