// The signed-in person's own account: their password, changed with the current one. Records
// waiting in this device's outbox are sealed again under the new password's key.
import { h, put } from './dom.js';
import { auth, sendJson } from './api.js';
import * as outbox from './outbox.js';
import { t } from './i18n.js';

export async function accountPage(root, session) {
  const current = auth.get();
  root.append(h('h1', {}, t('account.title')), h('p', {}, t('account.who', { name: session.me.name, role: t(`role.${session.me.role}`) })));
  if (!current || current.mode !== 'session') {
    root.append(h('p', { class: 'notice' }, t('account.token')));
    return;
  }
  const said = h('div', { id: 'account-said', role: 'status' });
  const old = h('input', { id: 'current-password', type: 'password', autocomplete: 'current-password' });
  const next = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', 'aria-describedby': 'new-password-hint' });
  const again = h('input', { id: 'repeat-password', type: 'password', autocomplete: 'new-password' });
  const form = h('form', { id: 'password-change', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'current-password' }, t('account.current')), old),
    h('div', { class: 'field' }, h('label', { for: 'new-password' }, t('account.new')), h('span', { id: 'new-password-hint', class: 'hint' }, t('account.newHint')), next),
    h('div', { class: 'field' }, h('label', { for: 'repeat-password' }, t('account.repeat')), again),
    h('button', { type: 'submit', class: 'primary' }, t('account.change')));
  root.append(h('h2', {}, t('account.passwordTitle')), said, form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (next.value !== again.value) { put(said, h('p', { class: 'notice bad', role: 'alert' }, t('account.mismatch'))); again.focus(); return; }
    try {
      await sendJson('/api/v1/session/password', 'POST', { current: old.value, password: next.value });
      const secret = await outbox.secretFromPassword(session.me.name, next.value);
      await outbox.reseal(session.me.name, current.secret, secret);
      auth.update({ secret });
      form.reset();
      put(said, h('p', { class: 'notice ok' }, t('account.changed')));
    } catch (e) {
      put(said, h('p', { class: 'notice bad', role: 'alert' }, e.message));
    }
  });
}
