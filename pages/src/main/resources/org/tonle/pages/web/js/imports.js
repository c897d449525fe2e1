// Imports: a CSV or Excel file sent to POST /api/v1/imports. The node reads it batch by batch
// while it arrives; this page shows how much has gone up (the upload's own events) and how far
// the node got (the job's counts at GET /api/v1/imports, polled while the upload runs), then the
// result with the rows the node did not accept.
import { h, put } from './dom.js';
import { getJson, upload } from './api.js';
import { t, number, dateTime } from './i18n.js';

const TYPES = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ndjson: 'application/x-ndjson',
  jsonl: 'application/x-ndjson',
};

export async function importsPage(root) {
  const file = h('input', { id: 'import-file', type: 'file', accept: '.csv,.xlsx,.ndjson,.jsonl', 'aria-describedby': 'import-hint' });
  const start = h('button', { type: 'submit', class: 'primary', id: 'import-start' }, t('imports.start'));
  const progress = h('div', { id: 'import-progress', 'aria-live': 'polite' });
  const result = h('div', { id: 'import-result' });
  const form = h('form', { id: 'import-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('imports.file')),
      h('span', { id: 'import-hint', class: 'hint' }, t('imports.hint')), file),
    start);
  const recent = h('div', { id: 'import-jobs' });
  root.append(h('h1', {}, t('nav.imports')), form, progress, result, h('h2', {}, t('imports.recent')), recent);

  async function showJobs() {
    const jobs = await getJson('/api/v1/imports');
    put(recent, jobs.length ? h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, ['imports.started', 'imports.state', 'imports.records', 'imports.accepted', 'imports.duplicates', 'imports.rejected']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, jobs.slice(0, 20).map((j) => h('tr', { 'data-job': j.id },
        h('td', {}, dateTime(j.startedAt)), h('td', {}, t(`imports.stateName.${j.state}`)),
        [j.records, j.accepted, j.duplicates, j.rejected].map((n) => h('td', { class: 'num' }, number(n)))))))) : h('p', { class: 'muted' }, t('imports.noJobs')));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) { put(progress, h('p', { class: 'error', role: 'alert' }, t('imports.noFile'))); file.focus(); return; }
    const extension = chosen.name.split('.').pop().toLowerCase();
    const type = TYPES[extension];
    if (!type) { put(progress, h('p', { class: 'error', role: 'alert' }, t('imports.badType'))); return; }
    start.disabled = true;
    put(result);
    const known = new Set((await getJson('/api/v1/imports')).map((j) => j.id));
    const bar = h('progress', { id: 'upload-bar', max: String(chosen.size || 1), value: '0' });
    const sent = h('p', { id: 'upload-sent' }, t('imports.sent', { sent: number(0), total: number(chosen.size) }));
    const counts = h('p', { id: 'import-counts', 'data-records': '0', 'data-state': 'running', 'data-seen': '' }, t('imports.waiting'));
    put(progress, h('div', { class: 'field' }, h('label', { for: 'upload-bar' }, t('imports.uploading', { name: chosen.name })), bar), sent, counts);
    // The node's job for this upload: the one that was not there before it began.
    let polling = true;
    const poll = (async () => {
      while (polling) {
        try {
          const job = (await getJson('/api/v1/imports')).find((j) => !known.has(j.id));
          if (job) showCounts(counts, job);
        } catch (ignored) { /* the next look may answer */ }
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    })();
    try {
      const job = await upload('/api/v1/imports', chosen, type, (done, total) => {
        bar.max = String(total || 1);
        bar.value = String(done);
        sent.textContent = t('imports.sent', { sent: number(done), total: number(total) });
      });
      polling = false;
      await poll;
      showCounts(counts, job);
      showResult(job);
    } catch (e) {
      polling = false;
      put(result, h('p', { class: 'notice bad', role: 'alert' }, e.message));
    } finally {
      start.disabled = false;
      showJobs();
    }
  });

  function showCounts(box, job) {
    box.dataset.records = String(job.records);
    box.dataset.state = job.state;
    box.dataset.seen = `${box.dataset.seen || ''}${job.state === 'running' ? 'r' : 'd'}${job.records};`;
    box.textContent = t('imports.counts', { records: job.records, accepted: job.accepted, duplicates: job.duplicates, rejected: job.rejected });
  }

  function showResult(job) {
    put(result,
      h('div', { class: `notice ${job.rejected ? 'warn' : 'ok'}`, id: 'import-summary', 'data-accepted': String(job.accepted), 'data-rejected': String(job.rejected) },
        h('p', {}, h('strong', {}, t(job.state === 'failed' ? 'imports.failed' : 'imports.done'))),
        h('p', {}, t('imports.counts', { records: job.records, accepted: job.accepted, duplicates: job.duplicates, rejected: job.rejected })),
        job.error ? h('p', { class: 'error' }, job.error) : null),
      (job.rejections || []).length ? h('div', { class: 'scroll' }, h('table', { id: 'import-rejections' },
        h('caption', {}, t('imports.rejectionsCaption')),
        h('thead', {}, h('tr', {}, ['imports.line', 'imports.field', 'imports.reason'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, job.rejections.map((r) => h('tr', { 'data-line': String(r.line) },
          h('td', { class: 'num' }, String(r.line)), h('td', {}, r.field || ''), h('td', {}, r.reason)))))) : null,
      job.rejected ? h('p', {}, h('a', { href: '#/rejections' }, t('imports.toRejections'))) : null);
  }

  await showJobs();
}
