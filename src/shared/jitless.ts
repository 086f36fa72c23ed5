/**
 * Zod without its compiled fast path (`new Function`), for code that runs in the app's window: the
 * page's CSP forbids 'unsafe-eval', and zod decides at schema construction whether it may compile,
 * before a preload's document has its CSP. Import this first, before any schema is built.
 */
import { z } from 'zod';

z.config({ jitless: true });
