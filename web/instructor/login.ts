/**
 * The instructor gate: pages under /instructor render only with a token the server accepted
 * (GET /api/instructor/check → 204). Without one, a login form asks for it.
 */
import { messageOf } from '../api.js';
import type { Page, PageContext } from '../context.js';
import { h, replaceChildren } from '../dom.js';
import { createInstructorApi, storeInstructorToken, storedInstructorToken, type InstructorApi } from './api.js';

/** What an instructor page gets: its API client and a way to drop a refused token. */
export interface InstructorContext extends PageContext {
  instructor: InstructorApi;
  /** The accepted token (for the `/workshop` socket's handshake). */
  instructorToken: string;
  /** Forgets the token and shows the login form again (after a 401). */
  signOut(message?: string): void;
}

/** Renders `page` once a token is known, the login form otherwise. */
export function withInstructor(root: HTMLElement, ctx: PageContext, page: (ictx: InstructorContext) => Page): Page {
  let current: Page | null = null;
  let disposed = false;

  function signOut(message?: string): void {
    storeInstructorToken(null);
    current?.dispose();
    current = login();
    if (message) ctx.banner.show(message);
  }

  function open(token: string): Page {
    return page({ ...ctx, instructor: createInstructorApi(token), instructorToken: token, signOut });
  }

  function login(): Page {
    const input = h('input', { id: 'instructor-token', type: 'password', class: 'input', 'data-testid': 'instructor-token-input', autocomplete: 'current-password', required: true });
    const button = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'instructor-login-button' }, 'Sign in');
    const form = h(
      'form',
      { class: 'panel form' },
      h('label', { for: 'instructor-token' }, 'Instructor token'),
      h('p', { class: 'field-help muted' }, 'Set with CKS_INSTRUCTOR_TOKEN or --instructor-token; without either, the server printed one at its first start.'),
      input,
      h('div', { class: 'form-actions' }, button),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const token = input.value.trim();
      if (!token) return ctx.banner.show('Enter the instructor token.');
      button.disabled = true;
      ctx.banner.clear();
      try {
        await createInstructorApi(token).check();
        if (disposed) return;
        storeInstructorToken(token);
        current = open(token);
      } catch (err) {
        if (disposed) return;
        ctx.banner.show(messageOf(err));
        button.disabled = false;
        input.select();
      }
    });
    replaceChildren(root, h('main', { class: 'page narrow' }, h('h1', {}, 'Instructor sign-in'), form));
    input.focus();
    return { dispose() {} };
  }

  const token = storedInstructorToken();
  current = token ? open(token) : login();
  return {
    dispose() {
      disposed = true;
      current?.dispose();
    },
  };
}
