// Records kept in the browser (IndexedDB) until the node has confirmed them.
//
// A record is written here with its id before the first attempt to send it, so closing the tab
// or losing the connection loses nothing. It is sent again only while no answer has come: the
// moment the node answers (accepted, duplicate or rejected) the record leaves the outbox in the
// same step, so a confirmed record is never sent twice by this page; and should an answer be
// lost on the way, the node's idempotency by id makes the second sending a harmless duplicate.
// Each record belongs to the principal who entered it and is sent only under that person's sign-in.
//
// A record may hold a case code, which the node pseudonymises but the browser cannot (the key
// stays on the node). So the outbox keeps records encrypted (AES-GCM) under a key derived from
// the signed-in person's secret: bits derived from their password at sign-in (PBKDF2), or their
// bearer token. The secret lives only in the tab's sessionStorage: once the tab is closed, what
// is left on the device cannot be read until that person signs in again. WebCrypto exists only
// in a secure context: HTTPS (bin/tonle cert) or localhost.
import { request, ApiError, NetworkError, auth } from './api.js';

const DB = 'tonle';
const STORE = 'outbox';
const BATCH = 100;

/** A record id: crypto.randomUUID where the browser offers it (secure contexts), else the same from random bytes. */
export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let dbPromise;
function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => {
      const store = open.result.createObjectStore(STORE, { keyPath: 'id' });
      store.createIndex('owner', 'owner');
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  return dbPromise;
}

async function tx(mode, work) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const t = database.transaction(STORE, mode);
    const result = work(t.objectStore(STORE));
    t.oncomplete = () => resolve(result && 'result' in result ? result.result : result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

const text = new TextEncoder();
const keys = new Map();

/** Whether records can be kept encrypted here (WebCrypto: HTTPS or localhost). */
export function canEncrypt() {
  return !!(globalThis.isSecureContext && globalThis.crypto && crypto.subtle);
}

/**
 * The outbox secret of a person who signs in with a password: 256 bits derived from the name
 * and password (PBKDF2-SHA-256), so the same person signing in again opens what they left.
 * Null without WebCrypto.
 */
export async function secretFromPassword(name, password) {
  if (!canEncrypt()) return null;
  const material = await crypto.subtle.importKey('raw', text.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', iterations: 210000,
    salt: text.encode(`tonle-outbox-v1\n${name.toLowerCase()}`) }, material, 256);
  return btoa(String.fromCharCode(...new Uint8Array(bits)));
}

/** The outbox key of this person and secret, or null where the browser has no WebCrypto (plain HTTP on a LAN address). */
function keyFor(owner, secret = (auth.get() || {}).secret) {
  if (!secret || !canEncrypt()) return Promise.resolve(null);
  const id = `${owner}\n${secret}`;
  if (!keys.has(id)) {
    keys.set(id, crypto.subtle.importKey('raw', text.encode(secret), 'HKDF', false, ['deriveKey'])
      .then((material) => crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: text.encode('tonle-outbox-v1'), info: text.encode(owner) },
        material, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])));
  }
  return keys.get(id);
}

async function seal(owner, record, secret) {
  const key = await keyFor(owner, secret);
  if (!key) return { record };   // see docs/PAGES.md: serve the pages over HTTPS for encryption at rest
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, text.encode(JSON.stringify(record)));
  return { iv, data };
}

async function unseal(owner, stored) {
  if (stored.record) return stored.record;
  const key = await keyFor(owner);
  if (!key) return null;
  try {
    return JSON.parse(new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: stored.iv }, key, stored.data)));
  } catch (e) {
    return null;   // sealed under another secret of this person (a token since replaced)
  }
}

/**
 * After a password change: this person's entries sealed under the old secret are sealed again
 * under the new one, so they can still be sent after the next sign-in.
 */
export async function reseal(owner, oldSecret, newSecret) {
  if (!oldSecret || !newSecret || oldSecret === newSecret) return 0;
  const moved = [];
  for (const entry of await stored(owner)) {
    const record = entry.record || await (async () => {
      const key = await keyFor(owner, oldSecret);
      try {
        return JSON.parse(new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: entry.iv }, key, entry.data)));
      } catch (e) { return null; }
    })();
    if (!record) continue;
    const { iv, data, record: ignored, ...rest } = entry;
    moved.push({ ...rest, ...(await seal(owner, record, newSecret)) });
  }
  await tx('readwrite', (s) => moved.forEach((e) => s.put(e)));
  return moved.length;
}

function stored(owner) {
  return tx('readonly', (s) => s.index('owner').getAll(owner));
}

/**
 * Entries of one principal that this token can open: {id, owner, record, queuedAt,
 * state: 'pending' | 'rejected', rejections}. Decrypted outside the IndexedDB transaction,
 * which would otherwise commit while WebCrypto works.
 */
export async function entries(owner) {
  const opened = [];
  for (const entry of await stored(owner)) {
    const record = await unseal(owner, entry);
    if (record) opened.push({ ...entry, record, sealed: entry });
  }
  return opened;
}

export async function counts() {
  const all = await tx('readonly', (s) => s.getAll());
  return all.reduce((c, e) => { c[e.owner] = (c[e.owner] || 0) + 1; return c; }, {});
}

export async function keep(owner, record) {
  const sealed = await seal(owner, record);
  return tx('readwrite', (s) => s.put({ id: record.id, owner, ...sealed, queuedAt: new Date().toISOString(), state: 'pending' }));
}

export function discard(id) {
  return tx('readwrite', (s) => s.delete(id));
}

/** What this page has sent since it was opened; shown on the entry page. */
export const stats = { accepted: 0, duplicates: 0, rejected: 0 };

const listeners = new Set();
export function onChange(listener) { listeners.add(listener); return () => listeners.delete(listener); }
function changed(event) { listeners.forEach((l) => { try { l(event); } catch (e) { console.error(e); } }); }

let flushing = null;

/**
 * Sends the principal's pending records. Resolves to {sent, offline, error}. One flush at a
 * time in this page, and (where the browser has Web Locks) one across the tabs of the browser.
 */
export function flush(owner) {
  if (!owner) return Promise.resolve({ sent: 0 });
  if (flushing) return flushing;
  const run = () => sendPending(owner);
  flushing = (navigator.locks ? navigator.locks.request('tonle-outbox', run) : run())
    .finally(() => { flushing = null; });
  return flushing;
}

async function sendPending(owner) {
  let sent = 0;
  for (;;) {
    const pending = (await entries(owner)).filter((e) => e.state === 'pending')
      .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt)).slice(0, BATCH);
    if (!pending.length) break;
    let answer;
    try {
      const response = await request('/api/v1/activities', { method: 'POST', body: pending.map((e) => e.record) });
      answer = await response.json();
    } catch (e) {
      if (e instanceof NetworkError || (e instanceof ApiError && e.status >= 500)) {
        changed({ type: 'offline' });
        return { sent, offline: true };
      }
      changed({ type: 'error', error: e });
      return { sent, error: e };
    }
    // Confirmed: every record of this batch leaves the pending state in one transaction.
    const byLine = new Map();
    for (const r of answer.rejected || []) {
      const entry = pending[r.line - 1] || pending.find((e) => e.id === r.id);
      if (entry) byLine.set(entry.id, [...(byLine.get(entry.id) || []), r]);
    }
    await tx('readwrite', (s) => {
      for (const entry of pending) {
        const rejections = byLine.get(entry.id);
        if (rejections) s.put({ ...entry.sealed, state: 'rejected', rejections });
        else s.delete(entry.id);
      }
    });
    stats.accepted += answer.accepted || 0;
    stats.duplicates += answer.duplicates || 0;
    stats.rejected += byLine.size;
    sent += pending.length;
    changed({ type: 'answer', answer, ids: pending.map((e) => e.id), rejections: byLine });
  }
  return { sent };
}
