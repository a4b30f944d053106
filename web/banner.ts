/**
 * The one error banner (data-testid="error-banner"): every failure the learner should know about
 * ends up here as a readable sentence, never a stack trace.
 */
export interface Banner {
  show(message: string): void;
  clear(): void;
}

/** Binds the banner element of index.html (creates one if the page has none). */
export function createBanner(root: HTMLElement): Banner {
  let el = root.querySelector<HTMLElement>('[data-testid="error-banner"]');
  if (!el) {
    el = document.createElement('div');
    el.dataset['testid'] = 'error-banner';
    root.prepend(el);
  }
  const banner = el;
  banner.setAttribute('role', 'alert');
  banner.classList.add('banner');
  const text = document.createElement('span');
  text.className = 'banner-text';
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'banner-close';
  close.setAttribute('aria-label', 'Dismiss message');
  close.textContent = '×';
  close.addEventListener('click', () => clear());
  banner.replaceChildren(text, close);
  banner.hidden = true;

  function clear(): void {
    banner.hidden = true;
    text.textContent = '';
  }
  return {
    show(message: string) {
      text.textContent = message;
      banner.hidden = false;
    },
    clear,
  };
}
