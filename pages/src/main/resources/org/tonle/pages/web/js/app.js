// The pages' shell: sign-in (name and password, or a machine's bearer token), the navigation the
// principal's role allows, the language switch, and routing by #hash.
import { h } from './dom.js';
import { auth, getJson, sendJson, request, ApiError, NetworkError } from './api.js';
import * as outbox from './outbox.js';
import { t, setLanguage, initialLanguage, askedInAddress, language, LANGUAGES } from './i18n.js';
import { entryPage } from './entry.js';
import { dashboardPage } from './dashboard.js';
import { programmesPage } from './programmes.js';
import { reviewPage } from './review.js';
import { periodsPage } from './periods.js';
import { rejectionsPage } from './rejections.js';
import { importsPage } from './imports.js';
import { usersPage } from './users.js';
import { auditPage } from './audit.js';
import { accountPage } from './account.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const net = document.getElementById('net');
const languageBox = document.getElementById('language-switch');

/** The signed-in principal (GET /api/v1/me) and the programmes it may see. */
const session = { me: null, programs: null };

const office = (me) => me.role === 'staff' || me.role === 'admin';
/**
 * The pages, in the order of the navigation. A page of its own (the highlights review, say) is
 * one more line here: its message key nav.<id> and a render(root, session) function.
 */
const PAGES = {
  entry: { allowed: (me) => me.mayRecord, render: entryPage },
  dashboard: { allowed: () => true, render: dashboardPage },
  programmes: { allowed: () => true, render: programmesPage },
  rejections: { allowed: office, render: rejectionsPage },
  imports: { allowed: office, render: importsPage },
  users: { allowed: (me) => me.role === 'admin', render: usersPage },
  audit: { allowed: (me) => me.role === 'admin', render: auditPage },
  periods: { allowed: office, render: periodsPage },
  review: { allowed: (me) => me.role === 'admin', render: reviewPage },
  account: { allowed: () => true, render: accountPage, hidden: true },
};

/** Adds a page to the navigation (for pages that live in their own module). */
export function addPage(id, page) {
  PAGES[id] = page;
}

function showChrome() {
  document.querySelector('.skip').textContent = t('app.skip');
  languageBox.replaceChildren(
    h('label', { for: 'language', class: 'visually-hidden' }, t('app.language')),
    h('select', { id: 'language', onchange: (event) => chooseLanguage(event.target.value) },
      Object.entries(LANGUAGES).map(([code, name]) => h('option', { value: code, lang: code, selected: code === language() }, name))));
  showNetwork();
}

async function chooseLanguage(code) {
  await setLanguage(code);
  // A language chosen here replaces one asked for in the address.
  const url = new URL(location.href);
  if (url.searchParams.has('lang')) { url.searchParams.delete('lang'); history.replaceState(null, '', url); }
  if (session.me) sendJson('/api/v1/me/language', 'PUT', { language: code }).catch((e) => console.warn('Language not stored:', e.message));
  showChrome();
  if (session.me) route(); else signInPage();
}

function problemText(e) {
  if (e instanceof NetworkError) return t('app.unreachable');
  return e.message;
}

function signInPage(message) {
  nav.replaceChildren();
  showChrome();
  const name = h('input', { id: 'name', type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'none',
    spellcheck: 'false', required: true, 'aria-describedby': 'signin-error' });
  const password = h('input', { id: 'password', type: 'password', name: 'password', autocomplete: 'current-password', required: true,
    'aria-describedby': 'signin-error' });
  const error = h('p', { id: 'signin-error', class: 'error', role: 'alert' }, message && message.error ? message.error : '');
  const form = h('form', { id: 'signin', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'name' }, t('signin.name')), name),
    h('div', { class: 'field' }, h('label', { for: 'password' }, t('signin.password')), password),
    error,
    h('button', { class: 'primary', type: 'submit' }, t('signin.submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    if (!name.value.trim() || !password.value) {
      error.textContent = t('signin.missing');
      (name.value.trim() ? password : name).focus();
      return;
    }
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const answer = await sendJson('/api/v1/session', 'POST', { name: name.value.trim(), password: password.value });
      const secret = await outbox.secretFromPassword(answer.name, password.value);
      auth.set({ mode: 'session', name: answer.name, csrf: answer.csrf, secret });
      await signedIn();
    } catch (e) {
      auth.clear();
      if (e instanceof ApiError && e.status === 429) {
        const seconds = Number((e.headers && e.headers.get('Retry-After')) || 900);
        error.textContent = t('signin.locked', { minutes: Math.max(1, Math.ceil(seconds / 60)) });
      } else if (e instanceof ApiError && e.status === 401) {
        error.textContent = t('signin.wrong');
      } else {
        error.textContent = problemText(e);
      }
      password.value = '';
      password.setAttribute('aria-invalid', 'true');
      password.focus();
    } finally {
      button.disabled = false;
    }
  });

  // Machines and set-ups without accounts: an access token, as before accounts existed.
  const tokenInput = h('input', { id: 'token', type: 'password', name: 'token', autocomplete: 'off', 'aria-describedby': 'token-hint token-error' });
  const tokenError = h('p', { id: 'token-error', class: 'error', role: 'alert' });
  const tokenForm = h('form', { id: 'token-signin', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'token' }, t('signin.token')),
      h('span', { id: 'token-hint', class: 'hint' }, t('signin.tokenHint')),
      tokenInput, tokenError),
    h('button', { class: 'secondary', type: 'submit' }, t('signin.tokenSubmit')));
  tokenForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = tokenInput.value.trim();
    if (!value) { tokenError.textContent = t('signin.tokenMissing'); tokenInput.focus(); return; }
    try {
      await getJson('/api/v1/me', { tokenValue: value });
      auth.set({ mode: 'bearer', token: value, secret: value });
      await signedIn();
    } catch (e) {
      tokenError.textContent = e instanceof ApiError && e.status === 401 ? t('signin.tokenUnknown') : problemText(e);
      tokenInput.setAttribute('aria-invalid', 'true');
      tokenInput.focus();
    }
  });

  const other = h('div', { id: 'signin-options' });
  main.replaceChildren(h('h1', {}, t('signin.title')),
    message && message.notice ? h('p', { class: 'notice', role: 'status', id: 'signin-notice' }, message.notice) : null,
    form, other,
    h('details', { id: 'token-details' }, h('summary', {}, t('signin.tokenSummary')), tokenForm));
  signInOptions(other);
  name.focus();
}

/** Where the node offers sign-in through the organisation's provider (OpenID Connect), a button for it. */
async function signInOptions(box) {
  try {
    const options = await getJson('/api/v1/session/options');
    const oidc = options && options.oidc;
    if (!oidc || oidc.enabled === false) return;
    const href = oidc.url || oidc.start || options.start || '/api/v1/session/oidc';
    box.replaceChildren(h('p', {}, h('a', { class: 'button', id: 'oidc', href }, t('signin.with', { provider: oidc.name || oidc.provider || options.provider || 'OpenID Connect' }))));
  } catch (ignored) {
    // No such endpoint on this node, or offline: name and password only.
  }
}

async function signedIn() {
  await loadSession();
  if (!askedInAddress()) {
    try {
      const stored = await getJson('/api/v1/me/language');
      if (stored.language && stored.language !== language()) await setLanguage(stored.language);
    } catch (ignored) { /* no stored choice, or offline */ }
  }
  // replaceState, not location.hash: a hashchange would render the page a second time.
  history.replaceState(null, '', `${location.pathname}${location.search}${session.me.mayRecord ? '#/entry' : '#/dashboard'}`);
  route();
}

const SESSION = 'tonle.session';

async function loadSession() {
  const current = auth.get();
  let me;
  let programs;
  try {
    if (current.mode === 'session') {
      // A page reloaded: the cookie's session again, and its csrf token.
      const answer = await getJson('/api/v1/session');
      auth.update({ csrf: answer.csrf });
    }
    me = await getJson('/api/v1/me');
    programs = await getJson('/api/v1/programs');
  } catch (e) {
    // Reloaded without a connection: the principal and declarations of this tab's last sign-in
    // (never another tab's, never after sign-out) let records be entered and kept.
    const cached = e instanceof NetworkError && sessionStorage.getItem(SESSION);
    if (!cached) throw e;
    ({ me, programs } = JSON.parse(cached));
  }
  session.me = me;
  session.programs = programs;
  sessionStorage.setItem(SESSION, JSON.stringify({ me, programs }));
}

async function signOut() {
  const waiting = session.me ? (await outbox.entries(session.me.name)).length : 0;
  const current = auth.get();
  if (current && current.mode === 'session') {
    try { await request('/api/v1/session', { method: 'DELETE' }); } catch (e) { console.warn('Sign-out not confirmed by the node:', e.message); }
  }
  auth.clear();
  sessionStorage.removeItem(SESSION);
  session.me = null;
  session.programs = null;
  history.replaceState(null, '', location.pathname + location.search);
  signInPage({ notice: waiting ? t('signout.waiting', { count: waiting }) : t('signout.done') });
}

function renderNav(current) {
  const links = Object.entries(PAGES).filter(([, page]) => !page.hidden && page.allowed(session.me)).map(([id]) =>
    h('a', { href: `#/${id}`, 'aria-current': id === current ? 'page' : null, 'data-page': id,
      // The link of the page shown opens it afresh (new declarations, new figures).
      onclick: (event) => { if (location.hash === `#/${id}`) { event.preventDefault(); route(); } } }, t(`nav.${id}`)));
  nav.replaceChildren(...links,
    h('a', { class: 'who', href: '#/account', id: 'who', 'aria-current': current === 'account' ? 'page' : null },
      t('nav.who', { name: session.me.name, role: t(`role.${session.me.role}`) })),
    h('button', { type: 'button', id: 'signout', onclick: signOut }, t('nav.signout')));
}

export async function route() {
  showChrome();
  if (!auth.get()) { signInPage(); return; }
  if (!session.me) {
    try {
      await loadSession();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        auth.clear();
        signInPage({ error: t('signin.ended') });
        return;
      }
      main.replaceChildren(h('h1', {}, 'Tonle'), h('p', { class: 'notice warn', role: 'alert' },
        e instanceof NetworkError ? t('app.unreachableKept') : e.message),
        h('button', { class: 'secondary', type: 'button', onclick: route }, t('app.retry')));
      return;
    }
  }
  let id = (location.hash.match(/^#\/(\w+)/) || [])[1];
  if (!PAGES[id] || !PAGES[id].allowed(session.me)) id = session.me.mayRecord ? 'entry' : 'dashboard';
  renderNav(id);
  document.title = `${t(`nav.${id}`)} · Tonle`;
  const page = h('div', {});
  main.replaceChildren(page);
  try {
    await PAGES[id].render(page, session);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { auth.clear(); session.me = null; signInPage({ error: t('signin.ended') }); return; }
    page.append(h('p', { class: 'notice bad', role: 'alert' }, problemText(e)));
  }
  // After a page change, a screen reader starts at the new page, not at the link just used.
  if (nav.contains(document.activeElement)) main.focus({ preventScroll: true });
  if (session.me.mayRecord) outbox.flush(session.me.name);
}

function showNetwork() {
  const offline = !navigator.onLine;
  net.textContent = offline ? t('net.offline') : '';
  net.classList.toggle('offline', offline);
}

window.addEventListener('hashchange', route);
window.addEventListener('online', () => { showNetwork(); if (session.me) outbox.flush(session.me.name); });
window.addEventListener('offline', showNetwork);
// navigator.onLine cannot see a node that is down behind a working network: retry now and then.
setInterval(() => { if (session.me && session.me.mayRecord) outbox.flush(session.me.name); }, 20000);
// Where the browser allows service workers (HTTPS or localhost), the pages open without a connection.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('No offline pages:', e.message));
}
await setLanguage(initialLanguage());
route();
