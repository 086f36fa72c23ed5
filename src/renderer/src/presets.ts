/** The paper's figures as experiment specs (resources/presets), offered by the run builder. */
import figure1 from '../../../resources/presets/figure1.json';
import figure2 from '../../../resources/presets/figure2.json';
import figure3 from '../../../resources/presets/figure3.json';
import quick from '../../../resources/presets/quick.json';

export interface Preset {
  readonly key: string;
  readonly label: string;
  readonly spec: Record<string, unknown>;
}

export const PRESETS: readonly Preset[] = [
  { key: 'quick', label: 'Quick look (seconds)', spec: quick },
  { key: 'figure1', label: 'Figure 1: trajectories by initial norm', spec: figure1 },
  { key: 'figure2', label: 'Figure 2: norm × teacher accuracy grid', spec: figure2 },
  { key: 'figure3', label: 'Figure 3: shared pretraining', spec: figure3 },
];
