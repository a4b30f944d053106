/** The curriculum coverage view: every competency of the CKS curriculum with the scenarios that practise it. */
import { h, inlineCode, replaceChildren } from '../dom.js';
import type { CurriculumDto } from '../../server/wire/catalog.js';

/** Fills `target`; `titleOf` names a scenario, `reveal(id)` shows its card. */
export function renderCoverage(target: HTMLElement, c: CurriculumDto, titleOf: (id: string) => string, reveal: (scenarioId: string) => void): void {
  const all = c.domains.flatMap((d) => d.competencies);
  const gaps = all.filter((k) => k.scenarios.length === 0).length;
  replaceChildren(
    target,
    h('h2', {}, 'Curriculum coverage'),
    h('p', { class: 'muted' }, `Every competency of the CKS curriculum, with the scenarios here that practise it${gaps > 0 ? ` (${gaps} not covered by a scenario on this server yet)` : ''}.`),
    h(
      'div',
      { class: 'coverage-domains' },
      ...c.domains.map((d) =>
        h(
          'section',
          { class: 'coverage-domain', 'data-domain': d.domain },
          h('h3', {}, d.domain, h('span', { class: 'muted' }, ` · ${d.weight} %`)),
          h(
            'ul',
            { class: 'coverage-list' },
            ...d.competencies.map((k) =>
              h(
                'li',
                { class: `coverage-competency${k.scenarios.length === 0 ? ' gap' : ''}`, 'data-testid': 'coverage-competency', 'data-competency': k.id, 'data-covered': String(k.scenarios.length > 0) },
                h('span', { class: 'competency-name' }, k.name),
                k.scenarios.length === 0
                  ? h('span', { class: 'muted' }, 'no scenario yet')
                  : h(
                      'span',
                      { class: 'competency-scenarios' },
                      ...k.scenarios.map((id) => h('button', { type: 'button', class: 'link-button', 'data-testid': 'coverage-scenario', 'data-scenario-id': id, onclick: () => reveal(id) }, inlineCode(titleOf(id)))),
                    ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
