/**
 * The builder's "Start search": the form's spec checked as Start checks it, the search section's
 * fields checked with the engine's SearchSchema (errors on their fields), then one round trip —
 * the LabApi's startSearch, which runs the search to its end in the background — and the search's
 * dashboard opens. A refusal by field lands on the search's fields (`search.level: …`) or on the
 * builder's own (the spec's); edits clear what the lab said.
 */
import { computed, type Ref, ref, watch } from 'vue';
import { useLab } from '../api/lab';
import type { FormCheck } from '../builder/formToSpec';
import type { BuilderForm } from '../builder/model';
import { defaultSearchForm, type SearchField, searchErrorsByField, type SearchForm, searchFromForm } from '../builder/search';
import { useExperimentsStore } from '../stores/experiments';
import { useUiStore } from '../stores/ui';
import { errorMessage } from '../../../shared/errorMessage';
import { fieldErrorsOf } from '../../../shared/labApi';
import { nextStep } from './useStart';

export function useSearchStart(form: Ref<BuilderForm>, validateNow: () => FormCheck, serverErrors: Ref<string[]>) {
  const lab = useLab();
  const experiments = useExperimentsStore();
  const ui = useUiStore();
  const searchForm = ref<SearchForm>(defaultSearchForm());
  /** The search's errors, local (shown once Start search was pressed) and the lab's. */
  const searchErrors = ref<string[]>([]);
  const searchError = ref<{ text: string; next: string } | null>(null);
  const searching = ref(false);

  watch([searchForm, form], () => {
    searchErrors.value = [];
    searchError.value = null;
  }, { deep: true });

  const placed = computed(() => searchErrorsByField(searchErrors.value));
  const searchFieldErrors = (field: SearchField): string[] => placed.value.byField[field] ?? [];

  async function startSearch(): Promise<void> {
    if (searching.value) return;
    searchError.value = null;
    const local = searchFromForm(searchForm.value);
    const check = validateNow();
    if (local.search === null) {
      searchErrors.value = local.errors;
      return;
    }
    if (check.valid === null) {
      searchError.value = { text: 'The experiment above has errors: the search runs it at each point.', next: nextStep(400) };
      return;
    }
    searching.value = true;
    try {
      const name = form.value.name.trim();
      const { id } = await lab.startSearch({ spec: check.spec, search: local.search, ...(name === '' ? {} : { name }) });
      await experiments.refresh();
      ui.open({ view: 'experiment', id });
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      const fields = fieldErrorsOf((error as { errors?: unknown }).errors);
      if (status === 400 && fields.length > 0) {
        const { others } = searchErrorsByField(fields);
        searchErrors.value = fields.filter((e) => !others.includes(e));
        serverErrors.value = others;
        searchError.value = { text: 'The lab rejected this search.', next: nextStep(400) };
        return;
      }
      searchError.value = { text: `Could not start the search: ${errorMessage(error)}`, next: nextStep(typeof status === 'number' ? status : undefined) };
    } finally {
      searching.value = false;
    }
  }

  return { searchForm, searchErrors, searchGeneral: computed(() => placed.value.general), searchFieldErrors, searchError, searching, startSearch };
}
