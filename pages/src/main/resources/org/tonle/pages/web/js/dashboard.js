// The donor dashboard: per indicator the last 12 months as a chart (uPlot from its WebJar,
// loaded only on this page), breakdowns by sex and office, progress against targets when the
// values answer carries them, and the same figures as CSV.
import { h, put, humanize, sexes } from './dom.js';
import { t } from './i18n.js';
import { getJson, request } from './api.js';

const UPLOT = '/webjars/uplot/1.6.30/dist/';

/** What a cell shows: the number, or "suppressed" for a cell withheld by disclosure control. */
export function cellText(row) {
  return row.suppressed || row.value === null || row.value === undefined ? t('dashboard.suppressed') : formatNumber(row.value);
}

function formatNumber(value) {
  return typeof value === 'number' ? value.toLocaleString('en', { maximumFractionDigits: 1 }) : String(value);
}

function cell(row, attrs = {}) {
  const suppressed = row.suppressed || row.value === null || row.value === undefined;
  return h('td', { class: 'num', ...attrs, 'data-suppressed': suppressed ? 'true' : 'false' },
    suppressed ? h('span', { class: 'suppressed', title: t('dashboard.suppressedTitle') }, t('dashboard.suppressed'))
      : formatNumber(row.value));
}

/** A breakdown as an accessible table with a bar per value; suppressed cells are labelled as such. */
export function breakdownTable(caption, dimension, rows, label = (v) => v) {
  const max = Math.max(1, ...rows.map((r) => (typeof r.value === 'number' ? r.value : 0)));
  return h('table', { class: 'breakdown', 'data-dimension': dimension },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, humanize(dimension)), h('th', { scope: 'col', class: 'num' }, t('dashboard.value')), h('th', { scope: 'col' }, h('span', { class: 'muted' }, t('dashboard.share'))))),
    h('tbody', {}, rows.map((row) => h('tr', { 'data-key': row[dimension] },
      h('th', { scope: 'row' }, label(row[dimension])),
      cell(row),
      h('td', { 'aria-hidden': 'true' }, typeof row.value === 'number' && !row.suppressed
        ? h('span', { class: 'barcell', style: `width:${Math.round((row.value / max) * 100)}%` }) : '')))));
}

// The values answer lists, per requested period, the target that applies to it: its own
// (target_period equal to the period) or its quarter's or year's. A month is drawn against
// its own target only: a year's plan is not a month's.
function targetOf(answer, row) {
  if (!row || !Array.isArray(answer.targets)) return null;
  const own = answer.targets.find((t) => t.period === row.period && t.target_period === row.period);
  return own && typeof own.target === 'number' ? own.target : null;
}

function monthsBack(month, n) {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 - n, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function shortMonth(period) {
  const [y, m] = period.split('-').map(Number);
  const name = new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en', { month: 'short', timeZone: 'UTC' });
  return name;
}

let uplotLoading;
function loadUplot() {
  uplotLoading ??= new Promise((resolve, reject) => {
    document.head.append(h('link', { rel: 'stylesheet', href: UPLOT + 'uPlot.min.css' }));
    const script = h('script', { src: UPLOT + 'uPlot.iife.min.js' });
    script.onload = () => resolve(window.uPlot);
    script.onerror = () => { uplotLoading = null; reject(new Error('the chart library could not be loaded')); };
    document.head.append(script);
  });
  return uplotLoading;
}

export async function dashboardPage(root, session) {
  const me = session.me;
  const catalogue = (await getJson('/api/v1/indicators')).indicators;
  const programmes = new Map(session.programs.filter((p) => p.id).map((p) => [p.id, p]));
  const params = new URLSearchParams((location.hash.split('?')[1]) || '');
  const now = new Date();
  const thisMonth = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  const staffScoped = me.role === 'staff';

  const indicator = h('select', { id: 'indicator' },
    [...new Set(catalogue.map((i) => i.programme))].map((programme) => h('optgroup', { label: programmes.get(programme) ? String(programmes.get(programme).name) : programme },
      catalogue.filter((i) => i.programme === programme).map((i) => h('option', { value: i.code }, i.name)))));
  const month = h('input', { id: 'month', type: 'month', value: params.get('m') || thisMonth, max: thisMonth, min: '2000-01' });
  const office = h('select', { id: 'office' });
  const content = h('div', { id: 'figures', 'aria-live': 'polite' });
  if (params.get('i') && catalogue.some((i) => i.code === params.get('i'))) indicator.value = params.get('i');

  root.append(h('h1', {}, t('nav.dashboard')),
    catalogue.length ? h('form', { id: 'dashboard-controls', class: 'row', onsubmit: (e) => e.preventDefault() },
      h('div', { class: 'field' }, h('label', { for: 'indicator' }, t('dashboard.indicator')), indicator),
      h('div', { class: 'field' }, h('label', { for: 'month' }, t('dashboard.month')), month),
      h('div', { class: 'field' }, h('label', { for: 'office' }, t('dashboard.office')), office))
      : h('p', { class: 'notice warn' }, t('dashboard.noIndicator')),
    content);
  if (!catalogue.length) return;

  function fillOffices() {
    const entry = catalogue.find((i) => i.code === indicator.value);
    const running = (programmes.get(entry.programme) || {}).offices || [];
    const choices = staffScoped ? running.filter((o) => me.offices.includes(o)) : running;
    const keep = office.value || params.get('o') || '';
    // Staff read the figures of their own offices one office at a time (the API refuses more).
    office.replaceChildren(...(staffScoped ? [] : [h('option', { value: '' }, t('dashboard.allOffices'))]),
      ...choices.map((o) => h('option', { value: o }, o)));
    if ([...office.options].some((o) => o.value === keep)) office.value = keep;
  }

  let chart = null;
  async function load() {
    const entry = catalogue.find((i) => i.code === indicator.value);
    const end = month.value || thisMonth;
    const start = monthsBack(end, 11);
    history.replaceState(null, '', `#/dashboard?i=${encodeURIComponent(entry.code)}&m=${end}${office.value ? `&o=${office.value}` : ''}`);
    const base = `/api/v1/indicators/${encodeURIComponent(entry.code)}/values?period=${start}..${end}${office.value ? `&office=${office.value}` : ''}`;
    content.replaceChildren(h('p', { class: 'muted' }, t('app.loading')));
    try {
      const series = await getJson(base);
      const breakdowns = [];
      for (const dimension of ['sex', 'office']) {
        if (!entry.by.includes(dimension) || (dimension === 'office' && office.value)) continue;
        const answer = await getJson(`/api/v1/indicators/${encodeURIComponent(entry.code)}/values?period=${end}&by=${dimension}${office.value ? `&office=${office.value}` : ''}`);
        breakdowns.push([dimension, answer]);
      }
      render(entry, series, breakdowns, end, base);
    } catch (e) {
      content.replaceChildren(h('p', { class: 'notice bad', role: 'alert' }, e.message));
    }
  }

  function render(entry, series, breakdowns, end, base) {
    if (chart) { chart.destroy(); chart = null; }
    const rows = series.rows;
    const hasTargets = rows.some((r) => targetOf(series, r) !== null);
    const last = rows.find((r) => r.period === end) || rows[rows.length - 1];
    const lastTarget = targetOf(series, last);
    const chartBox = h('div', { class: 'chart', id: 'chart', role: 'img', 'aria-label': `${entry.name}, ${rows[0].period} to ${end}: `
      + rows.map((r) => `${r.period} ${cellText(r)}`).join(', ') });
    const table = h('table', { id: 'monthly', 'data-indicator': entry.code, 'data-office': office.value },
      h('caption', {}, `${entry.name} by month, ${rows[0].period} to ${end} (${series.unit})`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('dashboard.monthColumn')), h('th', { scope: 'col', class: 'num' }, t('dashboard.value')),
        hasTargets ? h('th', { scope: 'col', class: 'num' }, t('dashboard.target')) : null)),
      h('tbody', {}, rows.map((r) => h('tr', { 'data-period': r.period }, h('th', { scope: 'row' }, r.period), cell(r, { 'data-value': r.value ?? '' }),
        hasTargets ? h('td', { class: 'num' }, targetOf(series, r) ?? '') : null))));
    const download = h('button', { type: 'button', class: 'secondary', id: 'csv' }, t('dashboard.csv'));
    download.addEventListener('click', async () => {
      const by = breakdowns.map(([d]) => d).slice(0, 1);
      const response = await request(base + (by.length ? `&by=${by.join(',')}` : ''), { accept: 'text/csv' });
      const url = URL.createObjectURL(await response.blob());
      const a = h('a', { href: url, download: `${entry.code}-${end}.csv` });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
    put(content,
      h('h2', {}, entry.name),
      lastTarget !== null && last && !last.suppressed ? h('div', { class: 'field', id: 'progress' },
        h('label', { for: 'progress-bar' }, t('dashboard.progress', { period: last.period, value: formatNumber(last.value), target: formatNumber(lastTarget),
          percent: Math.round((100 * last.value) / (lastTarget || 1)) })),
        h('progress', { id: 'progress-bar', max: String(lastTarget), value: String(Math.min(last.value, lastTarget)) })) : null,
      chartBox,
      h('div', { class: 'scroll' }, table),
      breakdowns.map(([dimension, answer]) => breakdownTable(`${humanize(dimension)}, ${end}`, dimension, answer.rows,
        dimension === 'sex' ? (v) => Object.fromEntries(sexes())[v] || v : (v) => v)),
      h('p', {}, download));
    drawChart(chartBox, rows, hasTargets ? rows.map((r) => targetOf(series, r)) : null, series.unit)
      .catch((e) => chartBox.replaceChildren(h('p', { class: 'muted' }, t('dashboard.noChart', { message: e.message }))));
  }

  async function drawChart(box, rows, targets, unit) {
    const uPlot = await loadUplot();
    const xs = rows.map((_, i) => i);
    const ys = rows.map((r) => (r.suppressed ? null : r.value));
    const seriesSpec = [{}, { label: unit, fill: 'rgba(11,83,148,0.75)', stroke: '#0b5394', width: 1,
      paths: uPlot.paths.bars({ size: [0.6, 48] }), points: { show: false } }];
    const data = [xs, ys];
    if (targets) { seriesSpec.push({ label: 'target', stroke: '#b00020', width: 2, dash: [6, 4] }); data.push(targets); }
    const width = Math.max(280, box.clientWidth || root.clientWidth || 320);
    chart = new uPlot({
      width, height: 240, legend: { show: !!targets },
      scales: { x: { time: false, range: [-0.5, rows.length - 0.5] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        // On a phone every other month is named (the last one always), or the names run together.
        { splits: () => xs, font: '12px system-ui', stroke: '#1a1a1a',
          values: (u, splits) => splits.map((i) => (rows[i] && (width >= 480 || (rows.length - 1 - i) % 2 === 0) ? shortMonth(rows[i].period) : '')) },
        // Whole numbers on the value axis: these are counts of people, events and cases.
        { font: '12px system-ui', stroke: '#1a1a1a', size: 48, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000] }],
      series: seriesSpec,
    }, data, box);
  }

  indicator.addEventListener('change', () => { fillOffices(); load(); });
  month.addEventListener('change', load);
  office.addEventListener('change', load);
  fillOffices();
  await load();
}
