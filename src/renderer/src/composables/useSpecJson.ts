/** The builder's JSON panels: the spec's preview and its Copy button, and import from pasted text or a file. */
import { computed, ref } from 'vue';
import { importSpec, specJson } from '../builder/json';
import type { BuilderForm } from '../builder/model';
import { useUiStore } from '../stores/ui';
import { errorMessage } from '../../../shared/errorMessage';

export function useSpecJson(spec: () => Record<string, unknown>, onImport: (form: BuilderForm, refused: string[]) => void) {
  const ui = useUiStore();
  const showJson = ref(false);
  const json = computed(() => specJson(spec()));
  const copied = ref(false);

  async function copyJson(): Promise<void> {
    try {
      await navigator.clipboard.writeText(json.value);
      copied.value = true;
      setTimeout(() => (copied.value = false), 1500);
    } catch (error) {
      ui.notify('error', `Could not copy the spec: ${errorMessage(error)}`);
    }
  }

  const showImport = ref(false);
  const importText = ref('');
  const importErrors = ref<string[]>([]);
  const importDone = ref<string | null>(null);

  function doImport(): void {
    const { form: imported, errors: problems, refused } = importSpec(importText.value);
    importErrors.value = problems;
    importDone.value = null;
    if (imported === null) return;
    onImport(imported, refused);
    importDone.value =
      problems.length === 0
        ? 'Loaded.'
        : refused.length > 0
          ? 'Refused, as w2s run refuses it: fix the JSON and load it again (Start stays off until then). The form shows what could be read.'
          : 'Loaded what could be read; fix the problems listed here and marked in the form.';
  }

  async function importFile(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    if (file === undefined) return;
    importText.value = await file.text();
    input.value = '';
    doImport();
  }

  return { showJson, json, copied, copyJson, showImport, importText, importErrors, importDone, doImport, importFile };
}
