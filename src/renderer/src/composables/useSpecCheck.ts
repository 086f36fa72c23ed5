/**
 * The builder's local check: the engine's own parseSpec run on the form ~150 ms after the last
 * edit — once per edit: a form already checked (a loaded form, Start right after the pause) is not
 * parsed again — the errors the backend returned on Start (until the next edit), and every
 * message placed by field. Errors on a path no shown field owns go to the list at the top.
 */
import { computed, onScopeDispose, type Ref, ref, shallowRef, watch } from 'vue';
import { errorsByField, FIELDS } from '../builder/fields';
import { checkForm, type FormCheck } from '../builder/formToSpec';
import type { BuilderForm } from '../builder/model';

export function useSpecCheck(form: Ref<BuilderForm>) {
  /** The form as last checked (its fields are text and flags: the JSON is its identity). */
  let checked = JSON.stringify(form.value);
  const check = shallowRef<FormCheck>(checkForm(form.value));
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** Check at once (a loaded form, Start): no edit is waiting to be checked after this. The same form is not parsed twice. */
  function validateNow(): FormCheck {
    clearTimeout(timer);
    const now = JSON.stringify(form.value);
    if (now !== checked) {
      checked = now;
      check.value = checkForm(form.value);
    }
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
      // Checked already (setForm checks a replaced form at once): nothing waits.
      if (JSON.stringify(form.value) !== checked) timer = setTimeout(validateNow, 150);
    },
    { deep: true },
  );
  onScopeDispose(() => clearTimeout(timer));

  return { check, validateNow, serverErrors, errors, fieldErrors };
}
