/** What test/renderer/screenLaws.ts measures in a page (shared with the e2e test that reads it). */
export interface Findings {
  readonly theme: string | undefined;
  readonly background: string;
  readonly overflow: string[];
  readonly clipped: string[];
  readonly lowContrast: string[];
  readonly emptyCharts: string[];
  readonly charts: number;
}
