/**
 * A random-features experiment's trajectories (docs/random-features.md §2): the student's test
 * accuracy, its agreement with the teacher and its head's norm ‖a‖ against the SFT step, one line per
 * teacher (its run at the learning rate the summary chose), three panels side by side. There is no
 * cos in feature space, so none of the linear figures' cos panels.
 */
import type { EChartsOption } from 'echarts';
import { blockViews, type SeriesBlock } from '../shared/seriesBlock';
import type { RunKey } from '../engine/grid';

/** The panels: the stored column, its title, and how a value reads (accuracies in %). */
export const RANDOM_FEATURES_PANELS = [
  { column: 'accuracy', title: 'test accuracy (%)', scale: 100 },
  { column: 'agreement', title: 'agreement with the teacher (%)', scale: 100 },
  { column: 'headNorm', title: 'head norm ‖a‖', scale: 1 },
] as const;

/**
 * The option for `block`'s teacher runs (the ceiling's, teacher −1, left out), `width` px wide.
 * Each line is [step, value × scale] at the run's recorded steps.
 */
export function randomFeaturesTrajectories(block: SeriesBlock<{ readonly recorded: number; readonly key: RunKey }>, width: number, dark = false): EChartsOption {
  const views = blockViews(block);
  const runs = block.runs.map((run, i) => ({ run, view: views[i] })).filter(({ run }) => run.key.teacher >= 0);
  const n = RANDOM_FEATURES_PANELS.length;
  const gap = 60;
  const inner = Math.max(60, (width - 40 - gap * n) / n);
  const text = dark ? '#ddd' : '#333';
  return {
    animation: false,
    textStyle: { color: text },
    title: RANDOM_FEATURES_PANELS.map((p, i) => ({ text: p.title, left: 50 + i * (inner + gap), top: 4, textStyle: { fontSize: 12, fontWeight: 'normal', color: text } })),
    tooltip: { trigger: 'axis' },
    grid: RANDOM_FEATURES_PANELS.map((_, i) => ({ left: 50 + i * (inner + gap), width: inner, top: 30, bottom: 40 })),
    xAxis: RANDOM_FEATURES_PANELS.map((_, i) => ({ type: 'value', gridIndex: i, name: 'SFT step', nameLocation: 'middle', nameGap: 24 })),
    yAxis: RANDOM_FEATURES_PANELS.map((_, i) => ({ type: 'value', gridIndex: i, scale: true })),
    series: RANDOM_FEATURES_PANELS.flatMap((p, i) =>
      runs.map(({ run, view }) => {
        const steps = view.step;
        const values = view[p.column];
        return {
          type: 'line' as const,
          name: `teacher ${run.key.teacher}`,
          xAxisIndex: i,
          yAxisIndex: i,
          showSymbol: false,
          lineStyle: { width: 1 },
          data: values === undefined ? [] : Array.from(steps, (s, k) => [s, values[k] * p.scale]),
        };
      }),
    ),
  };
}
