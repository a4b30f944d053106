/**
 * Browser entry: builds the API client and the banner once, then renders the page of the
 * current route (history.pushState routing; a reload of /s/<id> lands on the same page):
 * catalog, session, join, instructor home and live board.
 */
import { createApi } from './api.js';
import { createBanner } from './banner.js';
import { renderCatalog } from './catalog.js';
import type { Page, PageContext } from './context.js';
import { h, replaceChildren } from './dom.js';
import { renderBoard } from './instructor/board.js';
import { renderInstructorHome } from './instructor/home.js';
import { renderJoin } from './join.js';
import { parseRoute } from './router.js';
import { renderSession } from './session/page.js';
import { renderExam } from './exam/page.js';

function start(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const banner = createBanner(document.body);
  const api = createApi();
  let current: Page | null = null;

  const ctx: PageContext = {
    api,
    banner,
    navigate(path: string) {
      if (path !== location.pathname) history.pushState(null, '', path);
      render();
    },
  };

  function render(): void {
    current?.dispose();
    current = null;
    banner.clear();
    const route = parseRoute(location.pathname);
    if (route.name === 'catalog') current = renderCatalog(app!, ctx);
    else if (route.name === 'session') current = renderSession(app!, ctx, route.sessionId);
    else if (route.name === 'join') current = renderJoin(app!, ctx, route.code);
    else if (route.name === 'instructor') current = renderInstructorHome(app!, ctx);
    else if (route.name === 'board') current = renderBoard(app!, ctx, route.workshopId);
    else if (route.name === 'exam') current = renderExam(app!, ctx, route.attemptId);
    else {
      replaceChildren(app!, h('main', { class: 'page narrow' }, h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '/', 'data-link': true }, 'Back to the labs'))));
    }
  }

  // In-app links navigate without a reload.
  document.addEventListener('click', (ev) => {
    const link = (ev.target as Element | null)?.closest?.('a[data-link]');
    if (!link || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    ev.preventDefault();
    ctx.navigate(link.getAttribute('href') ?? '/');
  });
  window.addEventListener('popstate', render);
  render();
}

start();
