// Rejections: records the node did not accept, listed per record with the fields and rules that
// failed. A record is fixed (the fields the rules named, edited here and sent as a JSON merge
// patch) and replayed, replayed as it is (after a declaration was fixed), or dismissed with a reason.
import { h, put, humanize, sexes, localized } from './dom.js';
import { getJson, sendJson, ApiError } from './api.js';
import { t, dateTime } from './i18n.js';

const STATUSES = ['open', 'replayed', 'superseded', 'dismissed', 'all'];

/** The value at a field path such as attributes.visits or participants[2].count. */
function valueAt(record, path) {
  return path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')
    .reduce((v, key) => (v == null ? undefined : v[key]), record);
}

/** A JSON merge patch setting one field path; a tally inside the participants list replaces the list. */
function patchFor(record, path, value) {
  const tally = /^participants\[(\d+)\]\.(\w+)$/.exec(path);
  if (tally) {
    const list = (record.participants || []).map((p) => ({ ...p }));
    if (list[Number(tally[1])]) list[Number(tally[1])][tally[2]] = value;
    return { participants: list };
  }
  const keys = path.split('.');
  const patch = {};
  let at = patch;
  keys.forEach((key, i) => { at[key] = i === keys.length - 1 ? value : {}; at = at[key]; });
  return patch;
}

function merge(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? merge(out[k], v) : v;
  return out;
}

/** The field's declared type, from the programme's declaration, to send a number as a number. */
function declaredType(programs, record, path) {
  if (path === 'count' || path === 'subject.age' || /^participants\[\d+\]\.count$/.test(path)) return 'integer';
  const programme = (programs || []).find((p) => p.id === record.program);
  const activity = programme && (programme.activities || []).find((a) => a.id === record.type);
  const name = path.startsWith('attributes.') ? path.slice('attributes.'.length) : null;
  const attribute = activity && name && (activity.attributes || []).find((a) => a.name === name);
  return attribute ? attribute.type : (typeof valueAt(record, path) === 'number' ? 'integer' : 'text');
}

/** The values a field may take by its declaration ([[value, label]]), or null for a free field. */
function choicesFor(programs, record, path) {
  if (path === 'subject.sex' || /^participants\[\d+\]\.sex$/.test(path)) return sexes();
  const programme = (programs || []).find((p) => p.id === record.program);
  const activity = programme && (programme.activities || []).find((a) => a.id === record.type);
  if (!activity) return null;
  if (path === 'subject.role') return (activity.roles || []).map((r) => [r, humanize(r)]);
  if (/^participants\[\d+\]\.group$/.test(path) && activity.participants) return activity.participants.groups.map((g) => [g, humanize(g)]);
  const name = path.startsWith('attributes.') ? path.slice('attributes.'.length) : null;
  const attribute = name && (activity.attributes || []).find((a) => a.name === name);
  return attribute && attribute.type === 'enum' ? attribute.values.map((v) => [v, humanize(v)]) : null;
}

/** What the node keeps in place of a value that failed its check (it might have been a name). */
const WITHHELD = '(withheld)';

function parse(type, text) {
  if (type === 'integer') return text.trim() === '' ? null : Number(text.trim());
  if (type === 'boolean') return text === 'true';
  return text;
}

export async function rejectionsPage(root, session) {
  const status = h('select', { id: 'rejection-status' }, STATUSES.map((s) => h('option', { value: s }, t(`rejections.status.${s}`))));
  const list = h('div', { id: 'rejection-list', 'aria-live': 'polite' });
  const said = h('div', { id: 'rejections-said', role: 'status' });
  root.append(h('h1', {}, t('nav.rejections')), h('p', { class: 'hint' }, t('rejections.intro')),
    h('div', { class: 'filters' }, h('div', { class: 'field' }, h('label', { for: 'rejection-status' }, t('rejections.show')), status)),
    said, list);
  status.addEventListener('change', load);

  function say(kind, text) { put(said, h('p', { class: `notice ${kind}` }, text)); }

  async function load() {
    const rows = await getJson(`/api/v1/rejections?status=${encodeURIComponent(status.value)}&limit=500`);
    // One card per rejected record: its rows share receipt, source, sender and line.
    const records = new Map();
    for (const r of rows) {
      const key = `${r.receivedAt}|${r.source}|${r.principal}|${r.line}`;
      if (!records.has(key)) records.set(key, []);
      records.get(key).push(r);
    }
    if (!records.size) { put(list, h('p', { id: 'no-rejections' }, t('rejections.none'))); return; }
    put(list, h('p', { class: 'muted' }, t('rejections.count', { count: records.size })), [...records.values()].map(card));
  }

  function programmeName(record) {
    const programme = (session.programs || []).find((p) => p.id === record.program);
    return programme ? localized(programme.name, record.program) : record.program;
  }

  function activityName(record) {
    const programme = (session.programs || []).find((p) => p.id === record.program);
    const activity = programme && (programme.activities || []).find((a) => a.id === record.type);
    return activity ? localized(activity.name, record.type) : humanize(record.type || '');
  }

  function card(rows) {
    const first = rows[0];
    const record = first.record;
    const id = `rejection-${first.id}`;
    const box = h('section', { class: 'card', id, 'data-record': first.recordId || '', 'aria-labelledby': `${id}-title` });
    const title = record && record.program
      ? t('rejections.recordTitle', { program: programmeName(record), type: activityName(record), office: record.office || '—', date: record.date || '—' })
      : t('rejections.lineTitle', { line: first.line });
    const reasons = h('ul', {}, rows.map((r) => h('li', { 'data-field': r.field, 'data-rule': r.rule }, h('strong', {}, r.field), ': ', r.reason)));
    const meta = h('p', { class: 'muted' }, t('rejections.meta', { at: dateTime(first.receivedAt), principal: first.principal, source: first.source, line: first.line }));
    box.append(h('h2', { id: `${id}-title` }, title), meta, reasons);
    if (first.status !== 'open') {
      box.append(h('p', { class: 'state' }, t(`rejections.status.${first.status}`),
        first.dismissal ? ` — ${t('rejections.dismissedBy', { principal: first.dismissal.principal, reason: first.dismissal.reason })}` : ''));
      return box;
    }
    if (!record) {
      box.append(h('p', { class: 'notice warn' }, t('rejections.notReplayable')));
      return box;
    }
    const inputs = [];
    const fixForm = h('form', { class: 'fix', novalidate: true },
      rows.filter((r) => r.field && r.field !== 'subject' && !r.field.startsWith('subject.key')).map((r) => {
        const type = declaredType(session.programs, record, r.field);
        const stored = valueAt(record, r.field);
        const withheld = stored === WITHHELD;
        const current = withheld ? null : stored;
        const inputId = `fix-${r.id}`;
        const choices = choicesFor(session.programs, record, r.field);
        let input;
        if (type === 'boolean') {
          input = h('select', { id: inputId, 'data-field': r.field }, h('option', { value: 'true', selected: current === true }, t('common.yes')),
            h('option', { value: 'false', selected: current !== true }, t('common.no')));
        } else if (choices) {
          input = h('select', { id: inputId, 'data-field': r.field }, h('option', { value: '' }, t('entry.choose')),
            choices.map(([value, label]) => h('option', { value, selected: value === current }, label)));
        } else {
          input = h('input', { id: inputId, type: type === 'integer' ? 'number' : type === 'date' ? 'date' : 'text',
            value: current == null ? '' : String(current), 'data-field': r.field });
        }
        inputs.push({ row: r, input, type, before: withheld ? WITHHELD : stored });
        return h('div', { class: 'field' }, h('label', { for: inputId }, t('rejections.fixField', { field: r.field })),
          withheld ? h('span', { class: 'hint' }, t('rejections.withheld')) : null, input);
      }));
    const result = h('div', { class: 'result', role: 'status' });
    const replay = h('button', { type: 'button', class: 'primary', 'data-action': 'replay' }, t('rejections.replay'));
    const dismiss = h('button', { type: 'button', class: 'secondary', 'data-action': 'dismiss' }, t('rejections.dismiss'));
    const reason = h('textarea', { id: `${id}-reason`, rows: '2', maxlength: '500' });
    const confirm = h('button', { type: 'button', class: 'secondary', 'data-action': 'confirm-dismiss' }, t('rejections.confirmDismiss'));
    const dismissBox = h('div', { class: 'field', hidden: true },
      h('label', { for: `${id}-reason` }, t('rejections.reason')), h('span', { class: 'hint' }, t('rejections.reasonHint')), reason, confirm);
    box.append(fixForm, h('div', { class: 'actions' }, replay, dismiss), dismissBox, result);

    replay.addEventListener('click', async () => {
      // Each edited field becomes a merge patch; all of them go with the record's first row.
      let patch = {};
      for (const { input, type, row, before } of inputs) {
        const value = parse(type, input.value);
        if (String(before ?? '') !== String(value ?? '')) patch = merge(patch, patchFor(merge(record, patch), row.field, value));
      }
      const body = { ids: rows.map((r) => r.id) };
      if (Object.keys(patch).length) body.fix = { [String(first.id)]: patch };
      replay.disabled = true;
      try {
        const answer = await sendJson('/api/v1/rejections/replay', 'POST', body);
        if (answer.accepted + answer.duplicates > 0) {
          say('ok', t('rejections.replayed'));
          await load();
        } else {
          put(result, h('div', { class: 'notice bad' }, h('p', {}, t('rejections.rejectedAgain')),
            h('ul', {}, (answer.rejected || []).map((r) => h('li', {}, `${r.field}: ${r.reason}`)))));
          replay.disabled = false;
        }
      } catch (e) {
        put(result, h('p', { class: 'notice bad' }, e.message));
        replay.disabled = false;
      }
    });
    dismiss.addEventListener('click', () => { dismissBox.hidden = false; reason.focus(); });
    confirm.addEventListener('click', async () => {
      if (!reason.value.trim()) { put(result, h('p', { class: 'error' }, t('rejections.reasonMissing'))); reason.focus(); return; }
      try {
        await sendJson('/api/v1/rejections/dismiss', 'POST', { ids: rows.map((r) => r.id), reason: reason.value.trim() });
        say('ok', t('rejections.dismissed'));
        await load();
      } catch (e) {
        put(result, h('p', { class: 'notice bad' }, e instanceof ApiError ? e.message : String(e)));
      }
    });
    return box;
  }

  await load();
}
