/**
 * The laws a screenshot of the lab is held to (test/e2e/screens.test.ts), measured in the page:
 * this file is type-checked with the DOM (tsconfig.webtest.json) and run in Chromium, transpiled
 * by the e2e test and installed as `window.w2sScreenLaws`.
 */
import type { Findings } from '../helpers/screenFindings';

/** No "Loading" placeholder, and every chart that has an option drawn (one that cannot be drawn says why). */
export function screenSettled(): boolean {
  if (document.querySelector('.view .placeholder') !== null) return false;
  const frames = Array.from(document.querySelectorAll<HTMLElement>('.view [data-drawn]'));
  return frames.every((f) => f.dataset.drawn === 'true' || f.querySelector('.failure') !== null);
}

export function measureScreen(): Findings {
  const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
  const visible = (el: Element) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const overflow: string[] = [];
  const doc = document.scrollingElement ?? document.documentElement;
  if (doc.scrollWidth > window.innerWidth) overflow.push(`the page is ${doc.scrollWidth} px wide in a ${window.innerWidth} px window`);
  for (const el of Array.from(document.querySelectorAll('main.view, aside.queue, header.top'))) {
    if (el.scrollWidth > el.clientWidth + 1) overflow.push(`${describe(el).slice(0, 30)} scrolls sideways: ${el.scrollWidth} px of content in ${el.clientWidth} px`);
  }

  // Title rows and toolbars: each control and label inside its box, and its text inside itself.
  const clipped: string[] = [];
  const bars = Array.from(document.querySelectorAll('header.top, .view-head, .toolbar, .controls, .presets, .head'));
  for (const bar of bars) {
    if (!visible(bar)) continue;
    const box = bar.getBoundingClientRect();
    for (const el of Array.from(bar.querySelectorAll('button, label, select, input, span, kbd, h1, h2, a, output'))) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1) clipped.push(`${describe(el)} sticks out of ${describe(bar).slice(0, 30)} (${Math.round(r.left)}–${Math.round(r.right)} in ${Math.round(box.left)}–${Math.round(box.right)})`);
      const s = getComputedStyle(el);
      const text = el.tagName === 'SELECT' || el.tagName === 'INPUT' ? '' : (el.textContent ?? '').trim();
      if (el.tagName !== 'INPUT' && (text !== '' || el.tagName === 'SELECT') && el.scrollWidth > el.clientWidth + 1 && s.display !== 'inline') {
        clipped.push(`${describe(el)}: its text is ${el.scrollWidth} px wide in ${el.clientWidth} px`);
      }
    }
  }

  // Contrast of every visible piece of text against the colour behind it (WCAG 2.x).
  const parse = (c: string): [number, number, number, number] => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
    return m === null ? [0, 0, 0, 0] : [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
  };
  const luminance = ([r, g, b]: number[]) => {
    const lin = (v: number) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const behind = (el: Element | null): [number, number, number] => {
    for (let e = el; e !== null; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0.5) return [c[0], c[1], c[2]];
    }
    return [255, 255, 255];
  };
  const lowContrast: string[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set<Element>();
  for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
    const el = n.parentElement;
    if (el === null || seen.has(el) || (n.textContent ?? '').trim() === '' || !visible(el)) continue;
    seen.add(el);
    // Disabled controls are exempt (WCAG 1.4.3); so is text inside one, and a closed option list.
    if (el.closest('button:disabled, input:disabled, select:disabled, option, [aria-disabled="true"]') !== null) continue;
    let opacity = 1;
    for (let e: Element | null = el; e !== null; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const s = getComputedStyle(el);
    const fg = parse(s.color);
    const bg = behind(el);
    const a = fg[3] * opacity;
    const mixed = [0, 1, 2].map((i) => fg[i] * a + bg[i] * (1 - a));
    const [hi, lo] = [luminance(mixed), luminance(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) lowContrast.push(`${describe(el)}: ${ratio.toFixed(2)}:1 (${s.color} on rgb(${bg.join(', ')}))`);
  }

  // Every chart has drawn pixels: over its canvases (ECharts adds layers), more than 0.5 % of the
  // area differs from each canvas's own corner.
  const emptyCharts: string[] = [];
  const frames = Array.from(document.querySelectorAll<HTMLElement>('.view [data-drawn="true"]'));
  for (const frame of frames) {
    const canvases = Array.from(frame.querySelectorAll('canvas')).filter((c) => c.width > 0 && c.height > 0);
    let ink = 0;
    let area = 0;
    for (const canvas of canvases) {
      const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
      if (data === undefined) continue;
      area = Math.max(area, canvas.width * canvas.height);
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i] - data[0]) + Math.abs(data[i + 1] - data[1]) + Math.abs(data[i + 2] - data[2]) + Math.abs(data[i + 3] - data[3]) > 24) ink++;
      }
    }
    if (area === 0 || ink < 0.005 * area) emptyCharts.push(`${frame.getAttribute('aria-label')}: ${ink} drawn pixels on ${canvases.length} canvases`);
  }
  return {
    theme: document.documentElement.dataset.theme,
    background: getComputedStyle(document.body).backgroundColor,
    overflow,
    clipped,
    lowContrast,
    emptyCharts,
    charts: frames.length,
  };
}
