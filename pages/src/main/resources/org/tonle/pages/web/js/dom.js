import { t, language } from './i18n.js';

// A tiny element builder: h('p', {class: 'x'}, 'text', child). Text is always set as text, never as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = !!value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children, skipping null and false and flattening lists (replaceChildren would print "null"). */
export function put(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return el;
}

/** A declaration name may be text or a map of language to text (DESIGN.md 3). */
export function localized(name, fallback = '') {
  if (name == null) return fallback;
  if (typeof name === 'string') return name;
  return name[language()] || name.en || Object.values(name)[0] || fallback;
}

/** taxi_driver -> Taxi driver */
export function humanize(id) {
  const text = String(id).replace(/[_-]+/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const SEX_CODES = ['F', 'M', 'X', 'U'];

/** The sex codes with their names in the page's language: [[code, label], ...]. */
export function sexes() {
  return SEX_CODES.map((code) => [code, t(`sex.${code}`)]);
}

export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
