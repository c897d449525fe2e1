// Data entry. The form is generated from the programme's declaration as GET /api/v1/programs
// returns it, so a programme deployed while the node runs gets its form with no page code:
// subject block per the activity's subject rule, enums as choices, text with its length limit,
// integers with their range, and a participant tally table by group and sex.
import { h, put, localized, humanize, sexes, today } from './dom.js';
import { t } from './i18n.js';
import { check } from './rules.js';
import * as outbox from './outbox.js';
import { getJson, request, NetworkError } from './api.js';

const fieldId = (path) => 'f-' + path.replace(/[^A-Za-z0-9]+/g, '-');

export async function entryPage(root, session) {
  const me = session.me;
  // Fresh declarations each time, so a programme deployed while the page is open gets its form;
  // without a connection the ones loaded at sign-in serve.
  try {
    session.programs = await getJson('/api/v1/programs');
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
  }
  const programmes = session.programs.filter((p) => p.id && p.state === 'active' && (p.activities || []).length
    && (p.offices || []).some((o) => me.offices.includes(o)));

  const status = h('div', { id: 'entry-status', role: 'status', 'aria-live': 'polite' });
  const summary = h('div', { id: 'error-summary', class: 'summary', tabindex: '-1' });
  const programSelect = h('select', { id: 'program', name: 'program', required: true },
    h('option', { value: '' }, t('entry.chooseProgramme')),
    programmes.map((p) => h('option', { value: p.id }, localized(p.name, p.id))));
  const typeSelect = h('select', { id: 'type', name: 'type', required: true, disabled: true },
    h('option', { value: '' }, t('entry.chooseActivity')));
  const generated = h('div', { id: 'generated' });
  // Many records at once: the programme's Excel template, filled and sent with bin/tonle import.
  const template = h('button', { type: 'button', id: 'template', class: 'link', disabled: true }, t('entry.template'));
  const form = h('form', { id: 'entry', novalidate: true },
    summary,
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'program' }, t('entry.programme'), ' ', h('span', { class: 'req', 'aria-hidden': 'true' }, '*')), programSelect),
      h('div', { class: 'field' }, h('label', { for: 'type' }, t('entry.activity'), ' ', h('span', { class: 'req', 'aria-hidden': 'true' }, '*')), typeSelect),
      h('div', { class: 'field' }, template)),
    generated);
  const queue = h('section', { id: 'outbox', 'aria-labelledby': 'outbox-title' });

  root.append(h('h1', {}, t('nav.entry')), status, programmes.length ? form
    : h('p', { class: 'notice warn' }, t('entry.noProgramme')), queue);

  /** The form's current state: the record id it will be kept and sent under, and its fields by path. */
  let current = null;

  function programme() { return programmes.find((p) => p.id === programSelect.value); }
  function activity() { const p = programme(); return p && p.activities.find((a) => a.id === typeSelect.value); }

  programSelect.addEventListener('change', () => {
    const p = programme();
    typeSelect.replaceChildren(h('option', { value: '' }, t('entry.chooseActivity')),
      ...(p ? p.activities.map((a) => h('option', { value: a.id }, localized(a.name, a.id))) : []));
    typeSelect.disabled = !p;
    template.disabled = !p;
    if (p && p.activities.length === 1) typeSelect.value = p.activities[0].id;
    build();
  });
  typeSelect.addEventListener('change', () => build());
  // The API wants the bearer token, so the workbook is fetched and handed over as a blob.
  template.addEventListener('click', async () => {
    const p = programme();
    if (!p) return;
    const xlsx = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    const blob = await (await request(`/api/v1/programs/${encodeURIComponent(p.id)}/template.xlsx`, { accept: xlsx })).blob();
    const link = h('a', { href: URL.createObjectURL(blob), download: `${p.id}-template.xlsx` });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });

  function build(record) {
    clearErrors();
    generated.replaceChildren();
    const p = programme();
    const a = activity();
    if (!p || !a) { current = null; return; }
    current = { id: record ? record.id : outbox.newId(), fields: new Map(), tallies: [] };
    const offices = p.offices.filter((o) => me.offices.includes(o));

    const officeSelect = h('select', {}, offices.length > 1 ? h('option', { value: '' }, t('entry.chooseOffice')) : null,
      offices.map((o) => h('option', { value: o }, o)));
    const date = h('input', { type: 'date', min: '2000-01-01', max: today(), value: today() });
    const count = h('input', { type: 'number', min: '1', step: '1', value: '1', inputmode: 'numeric' });
    generated.append(h('div', { class: 'row' },
      field('office', t('entry.office'), officeSelect, { required: true }),
      field('date', t('entry.date'), date, { required: true, hint: t('entry.dateHint') }),
      field('count', t('entry.count'), count, { required: true, hint: t('entry.countHint') })));

    if (a.subject && a.subject !== 'none') {
      const required = a.subject === 'required';
      generated.append(h('fieldset', { id: 'subject' },
        h('legend', {}, required ? t('entry.personRequired') : t('entry.personOptional')),
        field('subject.ref', t('entry.ref'), h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' }),
          { hint: t('entry.refHint') }),
        h('div', { class: 'row' },
          field('subject.role', t('entry.role'), h('select', {}, h('option', { value: '' }, t('entry.choose')),
            a.roles.map((r) => h('option', { value: r }, humanize(r)))), { required }),
          field('subject.sex', t('entry.sex'), h('select', {}, h('option', { value: '' }, t('entry.choose')),
            sexes().map(([code, label]) => h('option', { value: code }, label))), { required }),
          field('subject.age', t('entry.age'), h('input', { type: 'number', min: '0', max: '120', step: '1', inputmode: 'numeric' }),
            { hint: t('entry.ageHint') }))));
    }

    if ((a.attributes || []).length) {
      generated.append(h('fieldset', { id: 'attributes' }, h('legend', {}, t('entry.details')),
        a.attributes.map((attribute) => field(`attributes.${attribute.name}`, humanize(attribute.name), attributeInput(attribute),
          { required: attribute.required, hint: attributeHint(attribute) }))));
    }

    if (a.participants) {
      const rows = a.participants.groups.map((group) => h('tr', {},
        h('th', { scope: 'row', id: fieldId(`group-${group}`) }, humanize(group)),
        sexes().map(([sex, label]) => {
          const input = h('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric', value: '0',
            id: fieldId(`p-${group}-${sex}`), 'aria-label': `${humanize(group)}, ${label}`, 'data-group': group, 'data-sex': sex });
          input.addEventListener('input', total);
          return h('td', { class: 'num' }, input);
        })));
      const totalCell = h('td', { class: 'num', id: 'participants-total' }, '0');
      current.tallyInputs = [...rows.flatMap((r) => [...r.querySelectorAll('input')])];
      generated.append(h('fieldset', { id: 'participants', class: 'tally' },
        h('legend', {}, t('entry.participants')),
        h('div', { class: 'scroll' }, h('table', {},
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('entry.group')), sexes().map(([, label]) => h('th', { scope: 'col', class: 'num' }, label)))),
          h('tbody', {}, rows),
          h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, t('entry.total')), h('td', { colspan: '3' }), totalCell)))),
        h('p', { id: 'err-participants', class: 'error' })));
      current.fields.set('participants', { input: current.tallyInputs[0], error: generated.querySelector('#err-participants') });
      function total() {
        totalCell.textContent = String(current.tallyInputs.reduce((sum, i) => sum + (parseInt(i.value, 10) || 0), 0));
      }
    }
    generated.append(h('button', { class: 'primary', type: 'submit', id: 'save' }, t('entry.save')));
    if (record) fill(record);
  }

  function field(path, label, input, { required = false, hint } = {}) {
    const id = fieldId(path);
    input.id = id;
    input.name = path;
    input.dataset.field = path;
    if (required) input.setAttribute('aria-required', 'true');
    const error = h('p', { id: `err-${id}`, class: 'error' });
    const hintEl = hint ? h('span', { id: `hint-${id}`, class: 'hint' }, hint) : null;
    input.setAttribute('aria-describedby', [hintEl ? `hint-${id}` : null, `err-${id}`].filter(Boolean).join(' '));
    current.fields.set(path, { input, error });
    return h('div', { class: 'field' },
      h('label', { for: id }, label, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null,
        required ? h('span', { class: 'hint-inline', style: 'position:absolute;left:-999px' }, ` ${t('entry.required')}`) : null),
      hintEl, input, error);
  }

  function attributeInput(attribute) {
    switch (attribute.type) {
      case 'enum':
        return h('select', {}, h('option', { value: '' }, attribute.required ? t('entry.choose') : t('entry.none')),
          attribute.values.map((v) => h('option', { value: v }, humanize(v))));
      case 'text':
        return attribute.max_length > 200
          ? h('textarea', { rows: '4', maxlength: attribute.max_length })
          : h('input', { type: 'text', maxlength: attribute.max_length });
      case 'integer':
        return h('input', { type: 'number', step: '1', inputmode: 'numeric', min: attribute.min, max: attribute.max });
      case 'boolean':
        return h('input', { type: 'checkbox' });
      case 'date':
        return h('input', { type: 'date', min: '2000-01-01' });
      default:
        return h('input', { type: 'text' });
    }
  }

  function attributeHint(attribute) {
    if (attribute.type === 'text') return t('entry.textHint', { max: attribute.max_length });
    if (attribute.type === 'integer' && (attribute.min != null || attribute.max != null)) {
      return t('entry.integerHint', { min: attribute.min ?? '…', max: attribute.max ?? '…' });
    }
    return undefined;
  }

  const value = (path) => { const f = current.fields.get(path); return f ? f.input.value.trim() : ''; };
  const number = (text) => (text === '' ? undefined : Number(text));

  function collect() {
    const a = activity();
    const record = { id: current.id, program: programSelect.value, type: typeSelect.value, office: value('office'),
      date: value('date'), count: number(value('count')) ?? 1 };
    if (a.subject && a.subject !== 'none') {
      const subject = { ref: value('subject.ref'), role: value('subject.role'), sex: value('subject.sex'), age: number(value('subject.age')) };
      if (a.subject === 'required' || subject.ref || subject.role || subject.sex || subject.age !== undefined) {
        record.subject = Object.fromEntries(Object.entries(subject).filter(([, v]) => v !== '' && v !== undefined));
      }
    }
    const attributes = {};
    for (const attribute of a.attributes || []) {
      const { input } = current.fields.get(`attributes.${attribute.name}`);
      if (attribute.type === 'boolean') attributes[attribute.name] = input.checked;
      else if (attribute.type === 'integer') { if (input.value.trim() !== '') attributes[attribute.name] = Number(input.value); }
      else if (input.value.trim() !== '') attributes[attribute.name] = attribute.type === 'text' ? input.value : input.value.trim();
    }
    if (Object.keys(attributes).length) record.attributes = attributes;
    if (a.participants) {
      current.tallies = [];
      record.participants = [];
      for (const input of current.tallyInputs) {
        const text = input.value.trim();
        if (text === '' || text === '0') continue;
        current.tallies.push(input);
        record.participants.push({ group: input.dataset.group, sex: input.dataset.sex, count: Number(text) });
      }
    }
    return record;
  }

  function fill(record) {
    const set = (path, v) => { const f = current.fields.get(path); if (f && v !== undefined && v !== null) f.input.value = String(v); };
    set('office', record.office); set('date', record.date); set('count', record.count);
    if (record.subject) { set('subject.ref', record.subject.ref); set('subject.role', record.subject.role); set('subject.sex', record.subject.sex); set('subject.age', record.subject.age); }
    for (const [name, v] of Object.entries(record.attributes || {})) {
      const f = current.fields.get(`attributes.${name}`);
      if (f && f.input.type === 'checkbox') f.input.checked = !!v; else set(`attributes.${name}`, v);
    }
    for (const tally of record.participants || []) {
      const input = current.tallyInputs.find((i) => i.dataset.group === tally.group && i.dataset.sex === tally.sex);
      if (input) input.value = String(tally.count);
    }
  }

  function clearErrors() {
    summary.replaceChildren();
    for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    for (const el of root.querySelectorAll('.error')) el.textContent = '';
  }

  /** Shows rejections ({field, rule, reason}) next to the fields they name, and a summary that links to them. */
  function showErrors(violations, origin) {
    clearErrors();
    const items = [];
    for (const v of violations) {
      let target = null;
      const tally = /^participants\[(\d+)\]/.exec(v.field || '');
      if (tally && current.tallies[Number(tally[1])]) {
        const input = current.tallies[Number(tally[1])];
        target = { input, error: generated.querySelector('#err-participants') };
      } else {
        const path = v.field === 'program' || v.field === 'type' ? null : v.field;
        target = path && (current.fields.get(path) || current.fields.get(path.split('.')[0]));
      }
      const input = target ? target.input : (v.field === 'type' ? typeSelect : v.field === 'program' ? programSelect : null);
      if (input) input.setAttribute('aria-invalid', 'true');
      if (target && target.error) target.error.textContent = [target.error.textContent, v.reason].filter(Boolean).join(' ');
      items.push(h('li', { 'data-rule': v.rule }, input ? h('a', { href: `#${input.id}`, onclick: (e) => { e.preventDefault(); input.focus(); } }, v.reason) : v.reason));
    }
    summary.append(h('div', { class: 'notice bad', role: 'alert' },
      h('p', {}, h('strong', {}, origin === 'server' ? t('entry.serverRejected') : t('entry.correct'))),
      h('ul', {}, items)));
    summary.focus();
  }

  function say(kind, text) {
    status.replaceChildren(h('p', { class: `notice ${kind}` }, text));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const a = activity();
    if (!a || !current) { showErrors([{ field: a ? 'type' : 'program', rule: 'required', reason: a ? t('entry.chooseActivity') : t('entry.chooseProgramme') }]); return; }
    const record = collect();
    const violations = check(record, a, me.offices);
    if (violations.length) { showErrors(violations, 'client'); return; }
    clearErrors();
    const save = generated.querySelector('#save');
    save.disabled = true;
    try {
      await outbox.keep(me.name, record);
      const sending = current.id;
      let result = await outbox.flush(me.name);
      if (!result.offline && !result.error && (await outbox.entries(me.name)).some((e) => e.id === sending && e.state === 'pending')) {
        result = await outbox.flush(me.name);   // a timer's flush was under way without this record
      }
      const entry = (await outbox.entries(me.name)).find((e) => e.id === sending);
      if (entry && entry.state === 'rejected') {
        await outbox.discard(sending);   // back on the form, to be fixed and saved again under the same id
        showErrors(entry.rejections, 'server');
      } else if (entry) {
        say('warn', result.error ? t('entry.keptRefused', { message: result.error.message }) : t('entry.keptOffline'));
        build();
      } else {
        say('ok', t('entry.saved'));
        build();
      }
    } finally {
      const again = generated.querySelector('#save');
      if (again) again.disabled = false;
      renderQueue();
    }
  });

  async function renderQueue() {
    const mine = await outbox.entries(me.name);
    const pending = mine.filter((e) => e.state === 'pending');
    const rejected = mine.filter((e) => e.state === 'rejected');
    const others = Object.entries(await outbox.counts()).filter(([owner]) => owner !== me.name).reduce((n, [, c]) => n + c, 0);
    const sent = outbox.stats;
    put(queue,
      h('h2', { id: 'outbox-title' }, t('outbox.title')),
      h('p', { id: 'outbox-pending', 'data-count': pending.length },
        t('outbox.pending', { count: pending.length }),
        pending.length ? h('button', { type: 'button', class: 'secondary', style: 'margin-left:.5rem',
          onclick: async () => { await outbox.flush(me.name); renderQueue(); } }, t('outbox.sendNow')) : null),
      h('p', { id: 'outbox-sent', class: 'muted', 'data-accepted': sent.accepted, 'data-duplicates': sent.duplicates },
        t('outbox.sent', { accepted: sent.accepted, duplicates: sent.duplicates, rejected: sent.rejected })),
      others ? h('p', { class: 'muted' }, t('outbox.others', { count: others })) : null,
      rejected.length ? h('div', {}, h('h2', {}, t('outbox.rejected')),
        h('ul', {}, rejected.map((e) => h('li', {},
          `${e.record.program} / ${e.record.type}, ${e.record.date}: `,
          e.rejections.map((r) => r.reason).join(' '), ' ',
          h('button', { type: 'button', class: 'secondary', onclick: () => reopen(e) }, t('outbox.fix')), ' ',
          h('button', { type: 'button', class: 'secondary', onclick: async () => { await outbox.discard(e.id); renderQueue(); } }, t('outbox.discard')))))) : null);
  }

  async function reopen(entry) {
    programSelect.value = entry.record.program;
    programSelect.dispatchEvent(new Event('change'));
    typeSelect.value = entry.record.type;
    build(entry.record);
    collect();
    await outbox.discard(entry.id);
    showErrors(entry.rejections, 'server');
    renderQueue();
  }

  const unsubscribe = outbox.onChange(() => { if (root.isConnected) renderQueue(); else unsubscribe(); });
  renderQueue();
}
