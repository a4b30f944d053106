import type { Api } from './api.js';
import type { Banner } from './banner.js';

/** What every page gets from main.ts (the composition root of the browser side). */
export interface PageContext {
  api: Api;
  banner: Banner;
  /** history.pushState navigation (renders the new route). */
  navigate(path: string): void;
}

/** A rendered page; `dispose` closes its sockets, timers and terminal when the route changes. */
export interface Page {
  dispose(): void;
}
