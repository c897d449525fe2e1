// The pages' shell: sign-in, the navigation the principal's role allows, and routing by #hash.
import { h } from './dom.js';
import { token, getJson, ApiError, NetworkError } from './api.js';
import * as outbox from './outbox.js';
import { entryPage } from './entry.js';
import { dashboardPage } from './dashboard.js';
import { programmesPage } from './programmes.js';
import { reviewPage } from './review.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const net = document.getElementById('net');

/** The signed-in principal (GET /api/v1/me) and the programmes it may see. */
const session = { me: null, programs: null };

const PAGES = {
  entry: { title: 'Data entry', allowed: (me) => me.mayRecord, render: entryPage },
  dashboard: { title: 'Dashboard', allowed: () => true, render: dashboardPage },
  programmes: { title: 'Programmes', allowed: () => true, render: programmesPage },
  review: { title: 'Highlights', allowed: (me) => me.role === 'admin', render: reviewPage },
};

function signInPage(message) {
  nav.replaceChildren();
  const input = h('input', { id: 'token', type: 'password', name: 'token', autocomplete: 'current-password', required: true,
    'aria-describedby': 'token-hint token-error' });
  const error = h('p', { id: 'token-error', class: 'error', role: 'alert' }, message || '');
  const form = h('form', { id: 'signin', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'token' }, 'Access token'),
      h('span', { id: 'token-hint', class: 'hint' }, 'The token your administrator gave you. It is kept only until you close this tab.'),
      input, error),
    h('button', { class: 'primary', type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) { error.textContent = 'Enter your access token.'; input.setAttribute('aria-invalid', 'true'); input.focus(); return; }
    try {
      await loadSession(value);
      token.set(value);
      // replaceState, not location.hash: a hashchange would render the page a second time.
      history.replaceState(null, '', session.me.mayRecord ? '#/entry' : '#/dashboard');
      route();
    } catch (e) {
      error.textContent = e instanceof ApiError && e.status === 401 ? 'This token is not known to the node.' : e.message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  });
  main.replaceChildren(h('h1', {}, 'Sign in to Tonle'), form);
  input.focus();
}

const SESSION = 'tonle.session';

async function loadSession(tokenValue) {
  let me;
  let programs;
  try {
    me = await getJson('/api/v1/me', { tokenValue });
    programs = await getJson('/api/v1/programs', { tokenValue });
  } catch (e) {
    // Reloaded without a connection: the principal and declarations of this tab's last sign-in
    // (never another tab's, never after sign-out) let records be entered and kept.
    const cached = e instanceof NetworkError && tokenValue === token.get() && sessionStorage.getItem(SESSION);
    if (!cached) throw e;
    ({ me, programs } = JSON.parse(cached));
  }
  session.me = me;
  session.programs = programs;
  sessionStorage.setItem(SESSION, JSON.stringify({ me, programs }));
}

async function signOut() {
  const waiting = session.me ? (await outbox.entries(session.me.name)).length : 0;
  token.clear();
  sessionStorage.removeItem(SESSION);
  session.me = null;
  session.programs = null;
  history.replaceState(null, '', location.pathname);
  signInPage(waiting ? `You are signed out. ${waiting} of your records are kept on this device and will be sent when you sign in again.`
    : 'You are signed out.');
}

function renderNav(current) {
  const links = Object.entries(PAGES).filter(([, page]) => page.allowed(session.me)).map(([id, page]) =>
    h('a', { href: `#/${id}`, 'aria-current': id === current ? 'page' : null,
      // The link of the page shown opens it afresh (new declarations, new figures).
      onclick: (event) => { if (location.hash === `#/${id}`) { event.preventDefault(); route(); } } }, page.title));
  nav.replaceChildren(...links,
    h('span', { class: 'who' }, `${session.me.name} (${session.me.role})`),
    h('button', { type: 'button', id: 'signout', onclick: signOut }, 'Sign out'));
}

export async function route() {
  if (!token.get()) { signInPage(); return; }
  if (!session.me) {
    try {
      await loadSession(token.get());
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) { token.clear(); signInPage('Your token is no longer accepted; sign in again.'); return; }
      main.replaceChildren(h('h1', {}, 'Tonle'), h('p', { class: 'notice warn', role: 'alert' },
        e instanceof NetworkError ? 'The node cannot be reached. Records you enter are kept on this device once the page has loaded; try again when the connection returns.' : e.message),
        h('button', { class: 'secondary', type: 'button', onclick: route }, 'Try again'));
      return;
    }
  }
  let id = (location.hash.match(/^#\/(\w+)/) || [])[1];
  if (!PAGES[id] || !PAGES[id].allowed(session.me)) id = session.me.mayRecord ? 'entry' : 'dashboard';
  renderNav(id);
  document.title = `${PAGES[id].title} · Tonle`;
  const page = h('div', {});
  main.replaceChildren(page);
  await PAGES[id].render(page, session);
  // After a page change, a screen reader starts at the new page, not at the link just used.
  if (nav.contains(document.activeElement)) main.focus({ preventScroll: true });
  if (session.me.mayRecord) outbox.flush(session.me.name);
}

function showNetwork() {
  const offline = !navigator.onLine;
  net.textContent = offline ? 'Offline: records are kept on this device' : '';
  net.classList.toggle('offline', offline);
}

window.addEventListener('hashchange', route);
window.addEventListener('online', () => { showNetwork(); if (session.me) outbox.flush(session.me.name); });
window.addEventListener('offline', showNetwork);
// navigator.onLine cannot see a node that is down behind a working network: retry now and then.
setInterval(() => { if (session.me && session.me.mayRecord) outbox.flush(session.me.name); }, 20000);
showNetwork();
// Where the browser allows service workers (HTTPS or localhost), the pages open without a connection.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('No offline pages:', e.message));
}
route();
