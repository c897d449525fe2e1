// Users (admins): the people who sign in with a name and password, from users.yaml. Add one,
// disable or enable one, set a new password. Bearer tokens for machines stay in access.yaml.
import { h, put } from './dom.js';
import { getJson, sendJson } from './api.js';
import { t } from './i18n.js';

const ROLES = ['staff', 'analyst', 'donor', 'admin'];
const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

export async function usersPage(root) {
  const said = h('div', { id: 'users-said', role: 'status' });
  const table = h('div', { id: 'users' });
  const name = h('input', { id: 'user-name', type: 'text', autocomplete: 'off', spellcheck: 'false', required: true });
  const role = h('select', { id: 'user-role' }, ROLES.map((r) => h('option', { value: r }, t(`role.${r}`))));
  const offices = h('input', { id: 'user-offices', type: 'text', 'aria-describedby': 'user-offices-hint' });
  const programs = h('input', { id: 'user-programs', type: 'text', 'aria-describedby': 'user-programs-hint' });
  const password = h('input', { id: 'user-password', type: 'password', autocomplete: 'new-password', 'aria-describedby': 'user-password-hint' });
  const form = h('form', { id: 'user-add', novalidate: true },
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'user-name' }, t('users.name')), name),
      h('div', { class: 'field' }, h('label', { for: 'user-role' }, t('users.role')), role)),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'user-offices' }, t('users.offices')), h('span', { id: 'user-offices-hint', class: 'hint' }, t('users.officesHint')), offices),
      h('div', { class: 'field' }, h('label', { for: 'user-programs' }, t('users.programs')), h('span', { id: 'user-programs-hint', class: 'hint' }, t('users.programsHint')), programs)),
    h('div', { class: 'field' }, h('label', { for: 'user-password' }, t('users.password')), h('span', { id: 'user-password-hint', class: 'hint' }, t('users.passwordHint')), password),
    h('button', { type: 'submit', class: 'primary', id: 'user-add-submit' }, t('users.add')));
  root.append(h('h1', {}, t('nav.users')), said, table, h('h2', {}, t('users.addTitle')), form);

  const say = (kind, text) => put(said, h('p', { class: `notice ${kind}`, role: kind === 'bad' ? 'alert' : null }, text));

  async function load() {
    const { users } = await getJson('/api/v1/users');
    put(table, h('div', { class: 'scroll' }, h('table', { id: 'users-table' },
      h('caption', {}, t('users.count', { count: users.length })),
      h('thead', {}, h('tr', {}, ['users.name', 'users.role', 'users.offices', 'users.programs', 'users.state', 'users.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, users.map((u) => h('tr', { 'data-user': u.name },
        h('th', { scope: 'row' }, u.name), h('td', {}, t(`role.${u.role}`)),
        h('td', {}, (u.offices || []).join(', ')), h('td', {}, (u.programs || []).join(', ')),
        h('td', { class: 'state' }, t(u.disabled ? 'users.disabled' : 'users.active')),
        h('td', {}, h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', 'data-action': 'toggle', onclick: () => toggle(u) }, t(u.disabled ? 'users.enable' : 'users.disable')),
          h('button', { type: 'button', class: 'secondary', 'data-action': 'password', onclick: (event) => reset(u, event.target) }, t('users.reset'))))))))));
  }

  async function toggle(user) {
    try {
      await sendJson(`/api/v1/users/${encodeURIComponent(user.name)}`, 'POST', { disabled: !user.disabled });
      say('ok', t(user.disabled ? 'users.enabled' : 'users.wasDisabled', { name: user.name }));
      await load();
    } catch (e) { say('bad', e.message); }
  }

  function reset(user, button) {
    const cell = button.closest('td');
    const input = h('input', { type: 'password', autocomplete: 'new-password', id: `reset-${user.name}`, 'aria-label': t('users.newPasswordFor', { name: user.name }) });
    const save = h('button', { type: 'button', class: 'primary', 'data-action': 'save-password' }, t('users.savePassword'));
    save.addEventListener('click', async () => {
      try {
        await sendJson(`/api/v1/users/${encodeURIComponent(user.name)}/password`, 'POST', { password: input.value });
        say('ok', t('users.passwordSet', { name: user.name }));
        await load();
      } catch (e) { say('bad', e.message); }
    });
    cell.append(h('div', { class: 'field' }, input, save));
    input.focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await sendJson('/api/v1/users', 'POST', { name: name.value.trim(), role: role.value, offices: list(offices.value),
        programs: list(programs.value), password: password.value });
      say('ok', t('users.added', { name: name.value.trim() }));
      form.reset();
      await load();
    } catch (e) { say('bad', e.message); }
  });

  await load();
}
