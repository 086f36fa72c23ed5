/**
 * Start: the local check of the form as it is (no parse when it was checked already), then one
 * round trip — submit, which refuses a bad spec with its errors by field (checkSpec's, placed on
 * the fields like the local ones) — and its dashboard opens; or say why it failed and what to do
 * next (cleared by the next edit).
 */
import { type Ref, ref, watch } from 'vue';
import { LabCallError } from '../../../shared/labApi';
import type { FormCheck } from '../builder/formToSpec';
import type { BuilderForm } from '../builder/model';
import { useExperimentsStore } from '../stores/experiments';
import { useUiStore } from '../stores/ui';
import { errorMessage } from '../../../shared/errorMessage';

/** What to do after a failed Start, by the HTTP status of the failure (0: no answer). */
export function nextStep(status: number | undefined): string {
  if (status === 0) return 'The lab did not answer: check that the desktop app or `w2s serve` is still running, then press Start again.';
  if (status === 400) return 'Fix the fields marked below (or listed here), then press Start again.';
  return 'Press Start again; if it keeps failing, use Show JSON to save the spec and run it with `w2s run SPEC.json`, which reports the same problem in full.';
}

export function useStart(form: Ref<BuilderForm>, validateNow: () => FormCheck, serverErrors: Ref<string[]>) {
  const experiments = useExperimentsStore();
  const ui = useUiStore();
  /** Why Start failed, and what to do next. */
  const submitError = ref<{ text: string; next: string } | null>(null);
  const submitting = ref(false);

  watch(
    form,
    () => {
      submitError.value = null;
    },
    { deep: true },
  );

  async function start(): Promise<void> {
    const local = validateNow();
    if (local.valid === null || submitting.value) return;
    submitting.value = true;
    submitError.value = null;
    const spec = local.spec;
    try {
      const name = form.value.name.trim();
      const id = await experiments.submit(spec, name === '' ? undefined : name);
      ui.open({ view: 'experiment', id });
    } catch (error) {
      if (error instanceof LabCallError && error.status === 400 && error.errors.length > 0) {
        serverErrors.value = [...error.errors];
        submitError.value = { text: 'The lab rejected this spec.', next: nextStep(400) };
        return;
      }
      const status = (error as { status?: unknown }).status;
      submitError.value = {
        text: `Could not start the experiment: ${errorMessage(error)}`,
        next: nextStep(typeof status === 'number' ? status : undefined),
      };
    } finally {
      submitting.value = false;
    }
  }

  return { start, submitting, submitError };
}
