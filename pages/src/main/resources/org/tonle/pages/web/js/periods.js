// The monthly cycle (DESIGN.md 9.3): the state of one month per office and programme, with who
// changed it and when, and the steps the signed-in person's role allows: staff submit their
// offices' cells, admins approve submitted ones and reopen approved ones with a reason. Each
// row acts on its own cell; the buttons above act on every cell the person may change.
import { h, put } from './dom.js';
import { getJson, request, ApiError } from './api.js';
import { t } from './i18n.js';

function lastMonth() {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export async function periodsPage(root, session) {
  const admin = session.me.role === 'admin';
  const month = h('input', { id: 'periods-month', type: 'month', required: true,
    value: new URLSearchParams(location.hash.split('?')[1] || '').get('m') || sessionStorage.getItem('tonle.periods.month') || lastMonth() });
  const status = h('p', { id: 'periods-status', role: 'status', 'aria-live': 'polite' });
  const error = h('p', { id: 'periods-error', class: 'error', role: 'alert' });
  const reason = h('input', { id: 'periods-reason', type: 'text', maxlength: 2000 });
  const cells = h('div', { id: 'periods-cells' });
  const revisions = h('div', { id: 'periods-revisions' });

  async function act(step, selection) {
    put(error);
    const body = { ...selection };
    if (step === 'reopen') body.reason = reason.value;
    try {
      await request(`/api/v1/periods/${encodeURIComponent(month.value)}/${step}`, { method: 'POST', body });
      await load();
      put(status, t('periods.done', { step: t(`periods.step.${step}`), period: month.value }));
    } catch (e) {
      put(error, e instanceof ApiError ? e.message : t('periods.notSent', { message: e.message }));
    }
  }

  function stepButton(step, selection, label) {
    return h('button', { type: 'button', class: step === 'approve' ? 'primary' : 'secondary', 'data-step': step,
      onclick: () => act(step, selection) }, label);
  }

  function row(cell) {
    const one = { offices: [cell.office], programs: [cell.program] };
    return h('tr', { 'data-office': cell.office, 'data-program': cell.program, 'data-state': cell.state },
      h('th', { scope: 'row' }, cell.office), h('td', {}, cell.program),
      h('td', {}, h('span', { class: `badge state-${cell.state}` }, t(`periods.state.${cell.state}`))),
      h('td', {}, cell.changed_by || ''), h('td', {}, cell.changed_at ? cell.changed_at.replace('T', ' ').slice(0, 16) : ''),
      h('td', { class: 'actions' },
        cell.state === 'open' ? stepButton('submit', one, t('periods.step.submit')) : null,
        admin && cell.state === 'submitted' ? stepButton('approve', one, t('periods.step.approve')) : null,
        admin && cell.state !== 'open' ? stepButton('reopen', one, t('periods.step.reopen')) : null));
  }

  async function load() {
    sessionStorage.setItem('tonle.periods.month', month.value);
    try {
      const answer = await getJson(`/api/v1/periods/${encodeURIComponent(month.value)}`);
      const count = (state) => answer.cells.filter((c) => c.state === state).length;
      put(status, t('periods.summary', { period: answer.period, open: count('open'), submitted: count('submitted'), approved: count('approved') }));
      put(cells, h('table', { id: 'periods-table' },
        h('caption', {}, t('periods.caption', { period: answer.period })),
        h('thead', {}, h('tr', {}, ['office', 'program', 'state', 'by', 'at', 'actions'].map((c) => h('th', { scope: 'col' }, t(`periods.col.${c}`))))),
        h('tbody', {}, answer.cells.map(row))));
      put(revisions, answer.revisions.length === 0 ? null : [h('h2', {}, t('periods.revisions')),
        h('ul', {}, answer.revisions.map((r) => h('li', {}, t('periods.revision', {
          indicator: r.indicator, office: r.office || '', before: JSON.stringify(r.before), after: JSON.stringify(r.after), reason: r.reason || '' }))))]);
    } catch (e) {
      put(status, h('span', { class: 'error' }, e.message));
      put(cells);
    }
  }

  month.addEventListener('change', load);
  root.append(h('h1', {}, t('periods.title')), h('p', {}, t('periods.intro')),
    h('div', { class: 'field' }, h('label', { for: 'periods-month' }, t('periods.month')), month),
    h('div', { class: 'actions', id: 'periods-all' },
      stepButton('submit', {}, t('periods.all.submit')),
      admin ? stepButton('approve', {}, t('periods.all.approve')) : null),
    admin ? h('div', { class: 'field' }, h('label', { for: 'periods-reason' }, t('periods.reason')), reason) : null,
    error, status, cells, revisions);
  await load();
}
