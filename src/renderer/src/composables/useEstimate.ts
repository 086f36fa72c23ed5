/**
 * The backend's estimate of the form's experiment (checkSpec: runs, samples, the expected time
 * and what it rests on, and both sides of the Preview / Exact choice), asked ~300 ms after the last
 * edit for the document the local check (useSpecCheck, 150 ms after it) read — the form is not
 * read or parsed again here; a reply to an older request is dropped. Until the reply for the
 * current form is in, runs and samples are the form's own count.
 */
import { computed, onScopeDispose, type Ref, ref, shallowRef, watch } from 'vue';
import type { LabApi, LabOutput } from '../../../shared/labApi';
import { basisText, timeText } from '../builder/format';
import type { FormCheck } from '../builder/formToSpec';
import type { BuilderForm } from '../builder/model';
import { fieldsInError, formSize } from '../builder/size';
import { errorMessage } from '../../../shared/errorMessage';

type CheckReply = LabOutput<'checkSpec'>;

export function useEstimate(form: Ref<BuilderForm>, check: Ref<FormCheck>, lab: Pick<LabApi, 'checkSpec'>) {
  const estimate = shallowRef<{ key: string; reply: CheckReply } | null>(null);
  const estimateError = ref<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;

  /** Ask now (the builder calls it once on mount; edits ask after a pause). */
  async function refresh(): Promise<void> {
    const mine = ++seq;
    const spec = check.value.spec;
    const key = JSON.stringify(spec);
    try {
      const reply = await lab.checkSpec({ spec });
      if (mine !== seq) return;
      estimate.value = { key, reply };
      estimateError.value = null;
    } catch (error) {
      if (mine !== seq) return;
      estimateError.value = errorMessage(error);
    }
  }

  // The form's own count leaves out what rests on a field in error.
  const size = computed(() => formSize(form.value, fieldsInError(check.value.errors)));
  const currentKey = computed(() => JSON.stringify(check.value.spec));
  /** The backend's reply is for an older form while a newer one is on its way. */
  const stale = computed(() => estimate.value === null || estimate.value.key !== currentKey.value);
  const runs = computed(() => (estimate.value?.reply.ok && !stale.value ? estimate.value.reply.runs : size.value.runs));
  const samples = computed(() => (estimate.value?.reply.ok && !stale.value ? estimate.value.reply.samples : size.value.samples));
  const time = computed(() => timeText(check.value.valid !== null, estimateError.value !== null, estimate.value?.reply ?? null));
  const basis = computed(() => basisText(estimateError.value, estimate.value?.reply ?? null));
  /** Preview and Exact as the last reply saw them (shown dimmed while `stale`); null before the first. */
  const choices = computed(() => estimate.value?.reply.choices ?? null);

  watch(
    form,
    () => {
      clearTimeout(timer);
      timer = setTimeout(() => void refresh(), 300);
    },
    { deep: true },
  );
  onScopeDispose(() => {
    clearTimeout(timer);
    seq++;
  });

  return { refresh, size, stale, runs, samples, time, basis, choices };
}
