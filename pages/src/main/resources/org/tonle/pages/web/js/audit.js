// The audit log (admins): who read or wrote what, and when, newest first, by page.
import { h, put } from './dom.js';
import { getJson } from './api.js';
import { t, dateTime } from './i18n.js';

const PAGE = 50;

export async function auditPage(root) {
  const principal = h('input', { id: 'audit-principal', type: 'text', spellcheck: 'false' });
  const action = h('input', { id: 'audit-action', type: 'text', spellcheck: 'false', list: 'audit-actions' });
  const since = h('input', { id: 'audit-since', type: 'date' });
  const actions = h('datalist', { id: 'audit-actions' },
    ['read', 'write', 'sign-in', 'sign-in-failed', 'lock-out', 'sign-out', 'user-add', 'user-disable', 'user-password', 'password-change', 'language']
      .map((a) => h('option', { value: a })));
  const form = h('form', { id: 'audit-filters', class: 'filters', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'audit-principal' }, t('audit.principal')), principal),
    h('div', { class: 'field' }, h('label', { for: 'audit-action' }, t('audit.action')), action, actions),
    h('div', { class: 'field' }, h('label', { for: 'audit-since' }, t('audit.since')), since),
    h('button', { type: 'submit', class: 'primary' }, t('audit.filter')));
  const table = h('div', { id: 'audit' });
  const pager = h('div', { class: 'pager' });
  root.append(h('h1', {}, t('nav.audit')), form, table, pager);

  /** The ids the pages shown so far started after: going back a page is the one before. */
  const pages = [];
  let page = 0;

  async function load() {
    const query = new URLSearchParams({ limit: String(PAGE + 1) });
    if (principal.value.trim()) query.set('principal', principal.value.trim());
    if (action.value.trim()) query.set('action', action.value.trim());
    if (since.value) query.set('since', since.value);
    if (pages[page]) query.set('before', String(pages[page]));
    const { entries } = await getJson(`/api/v1/audit?${query}`);
    const more = entries.length > PAGE;
    const shown = entries.slice(0, PAGE);
    put(table, h('div', { class: 'scroll' }, h('table', { id: 'audit-table', 'data-page': String(page) },
      h('caption', {}, t('audit.caption', { page: page + 1 })),
      h('thead', {}, h('tr', {}, ['audit.at', 'audit.principal', 'audit.role', 'audit.action', 'audit.endpoint', 'audit.rows'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, shown.map((e) => h('tr', { 'data-id': String(e.id) },
        h('td', {}, dateTime(e.at)), h('td', {}, e.principal), h('td', {}, e.role), h('td', {}, e.action),
        h('td', {}, e.endpoint), h('td', { class: 'num' }, e.rowCount == null ? '' : String(e.rowCount))))))),
    shown.length ? null : h('p', { class: 'muted' }, t('audit.none')));
    put(pager,
      h('button', { type: 'button', class: 'secondary', id: 'audit-newer', disabled: page === 0, onclick: () => { page -= 1; load(); } }, t('audit.newer')),
      h('button', { type: 'button', class: 'secondary', id: 'audit-older', disabled: !more,
        onclick: () => { pages[page + 1] = shown[shown.length - 1].id; page += 1; load(); } }, t('audit.older')));
  }

  form.addEventListener('submit', (event) => { event.preventDefault(); pages.length = 0; page = 0; load(); });
  await load();
}
