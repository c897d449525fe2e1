// The programmes page: every programme bundle the node knows, with its state.
import { h, localized } from './dom.js';
import { getJson } from './api.js';
import { t } from './i18n.js';

export async function programmesPage(root) {
  const programmes = await getJson('/api/v1/programs');
  root.append(h('h1', {}, t('nav.programmes')),
    h('div', { class: 'scroll' }, h('table', { id: 'programmes' },
      h('caption', {}, t('programmes.caption')),
      h('thead', {}, h('tr', {}, ['programme', 'bundle', 'state', 'offices', 'activities', 'indicators'].map((k) => h('th', { scope: 'col' }, t(`programmes.${k}`))))),
      h('tbody', {}, programmes.map((p) => h('tr', { 'data-id': p.id || p.bundle },
        h('th', { scope: 'row' }, p.id ? `${localized(p.name, p.id)} (${p.id})` : '—'),
        h('td', {}, `${p.bundle} ${p.version || ''}`),
        h('td', {}, h('span', { class: `state-${p.state}` }, p.state), p.error ? h('div', { class: 'error' }, p.error) : null),
        h('td', {}, (p.offices || []).join(', ')),
        h('td', {}, (p.activities || []).map((a) => localized(a.name, a.id)).join(', ')),
        h('td', {}, (p.indicators || []).map((i) => localized(i.name, i.code)).join(', ')))))))); 
}
