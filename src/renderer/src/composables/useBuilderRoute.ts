/**
 * What the builder opens with, from the route: a duplicated experiment (#/builder?from=4), a
 * preset (?preset=figure2) or the paper's defaults; the title says which. A newer route wins over
 * a load still on its way.
 */
import { computed, onScopeDispose, ref, watch } from 'vue';
import type { LabApi } from '../../../shared/labApi';
import type { BuilderForm, Setup } from '../builder/model';
import { type SearchForm, withoutSearch } from '../builder/search';
import { defaultForm, formFromSpec } from '../builder/specToForm';
import { PRESETS } from '../presets';
import { useUiStore } from '../stores/ui';
import { errorMessage } from '../../../shared/errorMessage';

export function useBuilderRoute(setForm: (form: BuilderForm) => void, currentSetup: () => Setup, lab: Pick<LabApi, 'duplicateSpec'>, setSearch: (form: SearchForm) => void = () => undefined) {
  const ui = useUiStore();
  const title = ref('New experiment');
  const loading = ref(false);
  /** A problem loading the route's spec (duplicate or preset), with what to do instead. */
  const loadError = ref<string | null>(null);
  let loadSeq = 0;

  async function load(from: number | undefined, preset: string | undefined): Promise<void> {
    const seq = ++loadSeq;
    loadError.value = null;
    if (from !== undefined) {
      title.value = `Duplicate of #${from}`;
      loading.value = true;
      try {
        const duplicated = withoutSearch((await lab.duplicateSpec({ id: from })).spec);
        if (seq !== loadSeq) return;
        setForm(formFromSpec(duplicated.spec));
        // A search's duplicate: the experiment it ran in the form, the search in its section.
        if (duplicated.search !== null) setSearch(duplicated.search);
      } catch (error) {
        if (seq !== loadSeq) return;
        title.value = 'New experiment';
        loadError.value = `Could not load experiment #${from}: ${errorMessage(error)}. The form shows the paper's defaults; pick a preset or an experiment from the history instead.`;
      } finally {
        if (seq === loadSeq) loading.value = false;
      }
      return;
    }
    if (preset !== undefined) {
      const p = PRESETS.find((x) => x.key === preset);
      if (p === undefined) {
        title.value = 'New experiment';
        loadError.value = `There is no preset '${preset}'. Choose one of the presets above.`;
        setForm(defaultForm());
        return;
      }
      title.value = `New experiment: ${p.label}`;
      setForm(formFromSpec(p.spec));
      return;
    }
    title.value = 'New experiment';
    setForm(defaultForm());
  }

  const routeKey = computed(() => (ui.route.view === 'builder' ? `${ui.route.from ?? ''}|${ui.route.preset ?? ''}` : null));
  let loadedKey: string | null = null;

  /** Load what the route names, unless it is already loaded (the builder calls it on mount). */
  function loadRoute(): void {
    const route = ui.route;
    if (route.view !== 'builder' || routeKey.value === loadedKey) return;
    loadedKey = routeKey.value;
    void load(route.from, route.preset);
  }
  watch(routeKey, loadRoute);

  function choosePreset(key: string): void {
    ui.open({ view: 'builder', preset: key });
    loadRoute();
  }

  /** The paper's defaults for the setup on screen; a load on its way is dropped. */
  function resetToDefaults(): void {
    ui.open({ view: 'builder' });
    loadedKey = routeKey.value;
    loadSeq++;
    loading.value = false;
    loadError.value = null;
    title.value = 'New experiment';
    setForm(defaultForm(currentSetup()));
  }

  onScopeDispose(() => {
    loadSeq++;
  });

  return { title, loading, loadError, loadRoute, choosePreset, resetToDefaults };
}
