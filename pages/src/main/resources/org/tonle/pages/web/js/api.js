// Talking to the node's API as the signed-in principal.
//
// People sign in with a name and password (DESIGN.md 9.4): the node answers with an HttpOnly
// session cookie, which the browser sends by itself, and a csrf token, which this page sends as
// X-CSRF-Token on every request that changes something. Machines and old set-ups may still sign
// in with a bearer token. Either way what this tab knows is kept in sessionStorage, not
// localStorage: offices share computers and phones, and sessionStorage ends with the tab, so
// walking away from a closed browser leaves nobody signed in. Records waiting to be sent stay in
// IndexedDB (outbox.js), sealed under a key only the same person's sign-in gives back.
const AUTH = 'tonle.auth';

export class ApiError extends Error {
  constructor(status, problem, headers) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.headers = headers;
  }
}

/** The network could not be reached (offline, or the node is down). */
export class NetworkError extends Error {}

/**
 * This tab's sign-in: {mode: 'session', name, csrf, secret} or {mode: 'bearer', token, secret};
 * {@code secret} is what the outbox key is derived from (the token, or bits derived from the password).
 */
export const auth = {
  get: () => { try { return JSON.parse(sessionStorage.getItem(AUTH)); } catch (e) { return null; } },
  set: (value) => sessionStorage.setItem(AUTH, JSON.stringify(value)),
  update: (change) => { const a = auth.get(); if (a) auth.set({ ...a, ...change }); },
  clear: () => sessionStorage.removeItem(AUTH),
};

/** The language the pages are shown in; API answers (programme names, report texts) follow it. */
let language = 'en';
export function useLanguage(code) { language = code; }

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function request(path, { method = 'GET', body, accept = 'application/json', contentType, tokenValue, signal } = {}) {
  const headers = { Accept: accept, 'Accept-Language': language };
  const current = auth.get();
  const bearer = tokenValue || (current && current.mode === 'bearer' ? current.token : null);
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  else if (current && current.mode === 'session' && !SAFE.has(method)) headers['X-CSRF-Token'] = current.csrf;
  if (body !== undefined) headers['Content-Type'] = contentType || 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method, headers, cache: 'no-store', credentials: 'same-origin', signal,
      body: body === undefined ? undefined
        : (typeof body === 'string' || body instanceof Blob ? body : JSON.stringify(body)),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new NetworkError('The node cannot be reached: ' + e.message);
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch (ignored) { /* not JSON */ }
    throw new ApiError(response.status, problem, response.headers);
  }
  return response;
}

export async function getJson(path, options) {
  return (await request(path, options)).json();
}

export async function sendJson(path, method, body) {
  const response = await request(path, { method, body });
  return response.status === 204 ? null : response.json();
}

/**
 * Sends a file with XMLHttpRequest, whose upload events tell how much has gone (fetch has none):
 * onProgress(sentBytes, totalBytes). Resolves to the parsed JSON answer.
 */
export function upload(path, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Accept-Language', language);
    xhr.setRequestHeader('Content-Type', contentType);
    const current = auth.get();
    if (current && current.mode === 'bearer') xhr.setRequestHeader('Authorization', `Bearer ${current.token}`);
    else if (current && current.mode === 'session') xhr.setRequestHeader('X-CSRF-Token', current.csrf);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onerror = () => reject(new NetworkError('The node cannot be reached'));
    xhr.onload = () => {
      let answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (ignored) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(answer);
      else reject(new ApiError(xhr.status, answer, null));
    };
    xhr.send(file);
  });
}
