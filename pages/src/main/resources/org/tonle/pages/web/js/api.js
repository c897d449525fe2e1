// Talking to the node's API with the signed-in principal's bearer token.
//
// The token is kept in sessionStorage, not localStorage: offices share computers and phones,
// and a token is a long-lived credential that can record or read figures. sessionStorage ends
// with the tab, so walking away from a closed browser leaves nobody signed in. Records waiting
// to be sent stay in IndexedDB (outbox.js) and go out at the next sign-in of the same person.
const TOKEN = 'tonle.token';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** The network could not be reached (offline, or the node is down). */
export class NetworkError extends Error {}

export const token = {
  get: () => sessionStorage.getItem(TOKEN),
  set: (value) => sessionStorage.setItem(TOKEN, value),
  clear: () => sessionStorage.removeItem(TOKEN),
};

export async function request(path, { method = 'GET', body, accept = 'application/json', contentType, tokenValue } = {}) {
  const headers = { Accept: accept };
  const bearer = tokenValue || token.get();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['Content-Type'] = contentType || 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method, headers, cache: 'no-store',
      body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
    });
  } catch (e) {
    throw new NetworkError('The node cannot be reached: ' + e.message);
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch (ignored) { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
  return response;
}

export async function getJson(path, options) {
  return (await request(path, options)).json();
}
