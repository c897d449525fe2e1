// The review of highlights (DESIGN.md 9.3): the month's public highlights with their state and the
// reasons one is held; admins approve (a held one only with a reason to override) or reject (with a
// reason). Only approved highlights reach a donor's report. Staff see their offices' highlights.
import { h, put } from './dom.js';
import { getJson, request, ApiError } from './api.js';

function lastMonth() {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export async function reviewPage(root, session) {
  const admin = session.me.role === 'admin';
  const month = h('input', { id: 'review-month', type: 'month', value: sessionStorage.getItem('tonle.review.month') || lastMonth(), required: true });
  const state = h('select', { id: 'review-state' },
    h('option', { value: '' }, 'Every state'),
    ['pending', 'held', 'approved', 'rejected'].map((s) => h('option', { value: s }, s)));
  const status = h('p', { id: 'review-status', role: 'status', 'aria-live': 'polite' });
  const list = h('div', { id: 'review-list' });

  let asked = 0;
  async function load() {
    sessionStorage.setItem('tonle.review.month', month.value);
    const query = `period=${encodeURIComponent(month.value)}${state.value ? `&state=${state.value}` : ''}`;
    const mine = ++asked;
    try {
      const answer = await getJson(`/api/v1/highlights?${query}`);
      if (mine !== asked) return;   // a later choice of month or state was asked for meanwhile
      put(status, `${answer.highlights.length} highlight${answer.highlights.length === 1 ? '' : 's'} of ${answer.period}`);
      put(list, answer.highlights.map((item) => card(item)));
    } catch (e) {
      if (mine !== asked) return;
      put(status, h('span', { class: 'error' }, e.message));
      put(list);
    }
  }

  async function decide(item, action, body, error) {
    try {
      await request(`/api/v1/highlights/${item.id}/${action}`, { method: 'POST', body });
      await load();
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : `Not sent: ${e.message}`;
    }
  }

  function card(item) {
    const error = h('p', { class: 'error', role: 'alert' });
    const reason = h('input', { type: 'text', name: 'reason', maxlength: 2000, 'aria-label': 'Reason' });
    const actions = !admin ? null : h('div', { class: 'actions' },
      h('label', {}, item.state === 'held' ? 'Reason (required to reject, or to approve a held highlight anyway) ' : 'Reason (required to reject) ', reason),
      item.state === 'approved' ? null : h('button', { type: 'button', class: 'primary', 'data-action': 'approve',
        onclick: () => decide(item, 'approve', item.state === 'held' ? { override_reason: reason.value } : {}, error) },
      item.state === 'held' ? 'Approve anyway' : 'Approve'),
      item.state === 'rejected' ? null : h('button', { type: 'button', class: 'secondary', 'data-action': 'reject',
        onclick: () => decide(item, 'reject', { reason: reason.value }, error) }, 'Reject'),
      error);
    return h('article', { class: `highlight state-${item.state}`, 'data-id': item.id },
      h('h2', {}, `${item.program} · ${item.office} · ${item.kind}`, ' ', h('span', { class: 'badge' }, item.state)),
      h('blockquote', {}, item.text),
      item.reasons.length ? h('ul', { class: 'notice warn reasons' }, item.reasons.map((r) => h('li', {}, r))) : null,
      item.reviewed_by ? h('p', { class: 'hint' }, `Reviewed by ${item.reviewed_by} at ${item.reviewed_at}`) : null,
      actions);
  }

  month.addEventListener('change', load);
  state.addEventListener('change', load);
  root.append(h('h1', {}, 'Highlights review'),
    h('p', {}, 'Highlights reach a donor\'s report only once approved. A highlight that contained a case code or names a protected person is held.'),
    h('div', { class: 'field' }, h('label', { for: 'review-month' }, 'Month'), month),
    h('div', { class: 'field' }, h('label', { for: 'review-state' }, 'State'), state),
    status, list);
  await load();
}
