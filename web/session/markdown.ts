import DOMPurify from 'dompurify';
import { marked } from 'marked';

/**
 * Renders scenario Markdown into `target`: `marked` for the HTML, DOMPurify so a scenario (or a
 * solution) can never run script in the learner's page. Links open in a new tab.
 */
export function renderMarkdown(target: HTMLElement, markdown: string): void {
  const html = marked.parse(markdown, { async: false, gfm: true });
  target.innerHTML = DOMPurify.sanitize(html);
  for (const a of target.querySelectorAll('a[href]')) {
    a.setAttribute('target', '_blank');
    a.setAttribute('rel', 'noopener noreferrer');
  }
}
