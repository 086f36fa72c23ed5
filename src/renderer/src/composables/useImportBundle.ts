/**
 * Import a `w2s bundle` file: the shell lets the user pick it (a native open dialog in the desktop,
 * a file input in the browser), the LabApi checks it whole and stores it, and its dashboard opens.
 */
import { useLab } from '../api/lab';
import { useShell } from '../api/shell';
import { useExperimentsStore } from '../stores/experiments';
import { useUiStore } from '../stores/ui';
import { errorMessage } from '../../../shared/errorMessage';

export function useImportBundle(): () => Promise<void> {
  const ui = useUiStore();
  const experiments = useExperimentsStore();
  return async () => {
    try {
      const file = await useShell().openBundle();
      if (file === null) return;
      const { id } = await useLab().importBundle({ data: file.data });
      await experiments.refresh();
      ui.notify('info', `Imported ${file.fileName} as experiment #${id}.`);
      ui.open({ view: 'experiment', id });
    } catch (err) {
      ui.notify('error', `Import failed: ${errorMessage(err)}`);
    }
  };
}
