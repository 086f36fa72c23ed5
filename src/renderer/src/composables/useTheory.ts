/**
 * Theory numbers (docs/spec.md §6: T1, T2, the initial rate, Theorem 1.1's conditions) for the input
 * on screen, asked from the LabApi whenever the input changes; a reply to an older input is
 * dropped. The theory panel and explore mode both read them.
 */
import { type Ref, ref, watch } from 'vue';
import type { LabApi, LabInput, LabOutput } from '../../../shared/labApi';
import { errorMessage } from '../../../shared/errorMessage';

export type TheoryInput = LabInput<'theory'>;

export function useTheory(input: Readonly<Ref<TheoryInput>>, lab: Pick<LabApi, 'theory'>) {
  const result = ref<LabOutput<'theory'> | null>(null);
  const error = ref<string | null>(null);
  let asked = 0;
  watch(
    input,
    async (value) => {
      const ticket = ++asked;
      try {
        const r = await lab.theory(value);
        if (ticket !== asked) return;
        result.value = r;
        error.value = null;
      } catch (err) {
        if (ticket !== asked) return;
        result.value = null;
        error.value = errorMessage(err).replace(/^theory: /, '');
      }
    },
    { immediate: true },
  );
  return { result, error };
}
