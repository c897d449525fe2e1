// The pages' languages. Every text a page shows comes from a message file (/i18n/en.json,
// /i18n/km.json) written as ICU messages ("{count, plural, one {# record} other {# records}}"),
// formatted by intl-messageformat (served as a static file, vendor/), whose plural rules are the
// browser's Intl.PluralRules. English is the fallback for a text a language does not have yet.
//
// The language is, first to last: ?lang= in the address, the signed-in person's stored choice
// (GET/PUT /api/v1/me/language), the last choice on this device, the browser's languages (what
// it sends as Accept-Language), English.
import { IntlMessageFormat } from '../vendor/intl-messageformat-10.7.16/intl-messageformat.esm.js';
import { useLanguage } from './api.js';

/** The languages offered, each named in itself. */
export const LANGUAGES = { en: 'English', km: 'ខ្មែរ' };
const DEVICE = 'tonle.language';

let current = 'en';
let messages = {};
let english = {};
const compiled = new Map();

async function fetchMessages(code) {
  const response = await fetch(`/i18n/${code}.json`);
  if (!response.ok) throw new Error(`no messages for ${code}`);
  return response.json();
}

/** A supported language code from a tag such as "km-KH", or null. */
export function supported(tag) {
  if (!tag) return null;
  const code = String(tag).toLowerCase().split(/[-_]/)[0];
  return Object.hasOwn(LANGUAGES, code) ? code : null;
}

/** The language before anyone signed in: ?lang=, this device's last choice, the browser's languages. */
export function initialLanguage() {
  const asked = supported(new URLSearchParams(location.search).get('lang'));
  if (asked) return asked;
  const device = supported(localStorage.getItem(DEVICE));
  if (device) return device;
  for (const tag of navigator.languages || [navigator.language]) {
    const code = supported(tag);
    if (code) return code;
  }
  return 'en';
}

/** Whether the address asked for a language (?lang=), which then wins over a stored choice. */
export function askedInAddress() {
  return supported(new URLSearchParams(location.search).get('lang'));
}

/** Loads a language's messages and shows the document in it. */
export async function setLanguage(code) {
  const chosen = supported(code) || 'en';
  if (!Object.keys(english).length) english = await fetchMessages('en');
  messages = chosen === 'en' ? english : await fetchMessages(chosen).catch(() => english);
  current = chosen;
  compiled.clear();
  localStorage.setItem(DEVICE, chosen);
  document.documentElement.lang = chosen;
  useLanguage(chosen);
  return chosen;
}

export function language() {
  return current;
}

/** The text of a message key in the current language, with its values filled in. */
export function t(key, values) {
  let format = compiled.get(key);
  if (!format) {
    const source = Object.hasOwn(messages, key) ? messages[key] : Object.hasOwn(english, key) ? english[key] : null;
    if (source === null) {
      console.warn('No message', key);
      return key;
    }
    format = new IntlMessageFormat(source, current === 'km' ? 'km' : 'en');
    compiled.set(key, format);
  }
  return format.format(values);
}

/** Whether a message key exists (in this language or English). */
export function has(key) {
  return Object.hasOwn(messages, key) || Object.hasOwn(english, key);
}

/** A number as this language writes it (Khmer digits in Khmer). */
export function number(value) {
  return new Intl.NumberFormat(current === 'km' ? 'km-KH' : 'en').format(value);
}

/** A date and time as this language writes it. */
export function dateTime(value) {
  if (!value) return '';
  return new Intl.DateTimeFormat(current === 'km' ? 'km-KH' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}
