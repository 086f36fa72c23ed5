/**
 * The builder's local check: the engine's own parseSpec run on the form ~150 ms after the last
 * edit, the errors the backend returned on Start (until the next edit), and every message placed
 * by field. Errors on a path no shown field owns go to the list at the top.
 */
import { computed, onScopeDispose, type Ref, ref, shallowRef, watch } from 'vue';
import { errorsByField, FIELDS } from '../builder/fields';
import { checkForm, type FormCheck } from '../builder/formToSpec';
import type { BuilderForm } from '../builder/model';

export function useSpecCheck(form: Ref<BuilderForm>) {
  const check = shallowRef<FormCheck>(checkForm(form.value));
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** Check at once (a loaded form, Start): no edit is waiting to be checked after this. */
  function validateNow(): FormCheck {
    clearTimeout(timer);
    check.value = checkForm(form.value);
    return check.value;
  }

  /** Errors the backend returned on Start (cleared by the next edit). */
  const serverErrors = ref<string[]>([]);
  const shownIds = computed(() => FIELDS.filter((f) => f.applies?.(form.value) ?? true).map((f) => f.id));
  const errors = computed(() => errorsByField([...new Set([...check.value.errors, ...serverErrors.value])], shownIds.value));
  const fieldErrors = (id: string): string[] => errors.value.byField[id] ?? [];

  watch(
    form,
    () => {
      serverErrors.value = [];
      clearTimeout(timer);
      timer = setTimeout(validateNow, 150);
    },
    { deep: true },
  );
  onScopeDispose(() => clearTimeout(timer));

  return { check, validateNow, serverErrors, errors, fieldErrors };
}
