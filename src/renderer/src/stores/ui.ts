/**
 * Where the user is (a hash route, so a reload or a bookmarked URL of `w2s serve` lands on the
 * same view), the theme, and messages about failures shown where they happen.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type Route =
  | { view: 'history' }
  | { view: 'builder'; from?: number; preset?: string }
  | { view: 'experiment'; id: number }
  | { view: 'compare'; ids: number[] }
  | { view: 'theory'; id?: number }
  | { view: 'explore' };

/** `#/experiment/3`, `#/compare/1,2`, `#/builder?from=4`, `#/explore` → a route; anything else → history. */
export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter((p) => p !== '');
  const params = new URLSearchParams(query);
  const positive = (s: string | undefined | null) => (s !== undefined && s !== null && /^\d+$/.test(s) && Number(s) > 0 ? Number(s) : undefined);
  switch (parts[0]) {
    case 'builder': {
      const from = positive(params.get('from'));
      const preset = params.get('preset') ?? undefined;
      return { view: 'builder', ...(from !== undefined ? { from } : {}), ...(preset !== undefined ? { preset } : {}) };
    }
    case 'experiment': {
      const id = positive(parts[1]);
      return id === undefined ? { view: 'history' } : { view: 'experiment', id };
    }
    case 'compare':
      return { view: 'compare', ids: (parts[1] ?? '').split(',').flatMap((s) => positive(s) ?? []) };
    case 'theory': {
      const id = positive(parts[1]);
      return id === undefined ? { view: 'theory' } : { view: 'theory', id };
    }
    case 'explore':
      return { view: 'explore' };
    default:
      return { view: 'history' };
  }
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case 'history':
      return '#/';
    case 'builder': {
      const q = new URLSearchParams();
      if (route.from !== undefined) q.set('from', String(route.from));
      if (route.preset !== undefined) q.set('preset', route.preset);
      const s = q.toString();
      return `#/builder${s === '' ? '' : `?${s}`}`;
    }
    case 'experiment':
      return `#/experiment/${route.id}`;
    case 'compare':
      return `#/compare/${route.ids.join(',')}`;
    case 'theory':
      return route.id === undefined ? '#/theory' : `#/theory/${route.id}`;
    case 'explore':
      return '#/explore';
  }
}

export type Theme = 'light' | 'dark';

export interface Notice {
  readonly id: number;
  readonly kind: 'error' | 'info';
  readonly text: string;
}

function initialTheme(): Theme {
  const saved = localStorage.getItem('w2s-theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export const useUiStore = defineStore('ui', () => {
  const route = ref<Route>(parseRoute(window.location.hash));
  const theme = ref<Theme>(initialTheme());
  const notices = ref<Notice[]>([]);
  let nextNotice = 1;

  window.addEventListener('hashchange', () => {
    route.value = parseRoute(window.location.hash);
  });
  watch(
    theme,
    (t) => {
      document.documentElement.dataset.theme = t;
      localStorage.setItem('w2s-theme', t);
    },
    { immediate: true },
  );

  function open(next: Route): void {
    const hash = routeHash(next);
    route.value = next;
    if (window.location.hash !== hash) window.location.hash = hash;
  }

  function notify(kind: Notice['kind'], text: string): void {
    const id = nextNotice++;
    notices.value.push({ id, kind, text });
    if (kind === 'info') setTimeout(() => dismiss(id), 4000);
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  function toggleTheme(): void {
    theme.value = theme.value === 'light' ? 'dark' : 'light';
  }

  return { route, theme, notices, open, notify, dismiss, toggleTheme };
});
