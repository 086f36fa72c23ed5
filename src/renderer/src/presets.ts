/**
 * The paper's figures as experiment specs (resources/presets), offered by the run builder, and two
 * questions it leaves open (docs/spec.md §10): is Theorem 1.1's condition on κ sharp, and why does
 * the gain not fall with the initial norm as the local analysis does.
 */
import figure1 from '../../../resources/presets/figure1.json';
import figure2 from '../../../resources/presets/figure2.json';
import figure3 from '../../../resources/presets/figure3.json';
import normPuzzle from '../../../resources/presets/normPuzzle.json';
import quick from '../../../resources/presets/quick.json';
import theoremBoundary from '../../../resources/presets/theoremBoundary.json';

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
  { key: 'theoremBoundary', label: 'Theorem boundary: gain against κ', spec: theoremBoundary },
  { key: 'normPuzzle', label: 'Norm puzzle: gain against ‖w₀‖', spec: normPuzzle },
];
