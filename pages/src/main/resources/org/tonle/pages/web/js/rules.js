// The server's record rules (DESIGN.md 4, pipelines Validate), checked in the browser before a
// record is kept or sent, with the same field paths and rule codes, so that a field officer
// sees a mistake next to the field at once and not after the connection comes back.
// The server stays the judge: anything it rejects is shown the same way.
import { SEX_CODES, today as todayText } from './dom.js';
import { t } from './i18n.js';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDay(text) {
  if (!DATE.test(text)) return false;
  const [y, m, d] = text.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const whole = (n) => typeof n === 'number' && Number.isInteger(n);

/**
 * @param record   the record as it would be sent
 * @param activity the activity's declaration (from GET /api/v1/programs)
 * @param offices  the offices the principal may record for where the programme runs
 * @returns a list of {field, rule, reason}
 */
export function check(record, activity, offices, today = todayText()) {
  const v = [];
  const add = (field, rule, reason) => v.push({ field, rule, reason });
  if (!record.program) add('program', 'required', t('rule.required', { field: 'program' }));
  if (!record.type) add('type', 'required', t('rule.required', { field: 'type' }));
  if (!record.office) add('office', 'required', t('rule.required', { field: 'office' }));
  else if (offices && !offices.includes(record.office)) add('office', 'office_not_permitted', t('rule.officeNotPermitted', { office: record.office }));
  if (!record.date) add('date', 'required', t('rule.required', { field: 'date' }));
  else if (!validDay(record.date)) add('date', 'format', t('rule.dateFormat'));
  else if (record.date > today) add('date', 'future_date', t('rule.futureDate', { date: record.date }));
  else if (record.date < '2000-01-01') add('date', 'date_too_early', t('rule.dateTooEarly', { date: record.date }));
  if (!whole(record.count) || record.count < 1) add('count', 'range', t('rule.count'));
  if (!activity) return v;

  const subject = record.subject;
  if (activity.subject === 'none' || !activity.subject) {
    if (subject) add('subject', 'subject_not_allowed', t('rule.subjectNotAllowed', { activity: activity.id }));
  } else if (!subject) {
    if (activity.subject === 'required') add('subject', 'required', t('rule.subjectRequired', { activity: activity.id }));
  } else {
    const roles = activity.roles || [];
    if (!subject.role) add('subject.role', 'required', t('rule.requiredOneOf', { field: 'subject.role', values: roles.join(', ') }));
    else if (!roles.includes(subject.role)) add('subject.role', 'enum', t('rule.enum', { field: 'subject.role', values: roles.join(', ') }));
    if (!subject.sex) add('subject.sex', 'required', t('rule.requiredOneOf', { field: 'subject.sex', values: SEX_CODES.join(', ') }));
    else if (!SEX_CODES.includes(subject.sex)) add('subject.sex', 'enum', t('rule.enum', { field: 'subject.sex', values: SEX_CODES.join(', ') }));
    if (subject.age !== undefined && (!whole(subject.age) || subject.age < 0 || subject.age > 120)) {
      add('subject.age', 'range', t('rule.age'));
    }
  }

  const attributes = record.attributes || {};
  for (const attribute of activity.attributes || []) {
    const path = `attributes.${attribute.name}`;
    const value = attributes[attribute.name];
    if (value === undefined || value === null || value === '') {
      if (attribute.required) {
        add(path, 'required', attribute.values && attribute.values.length
          ? t('rule.attributeRequiredOneOf', { field: attribute.name, activity: activity.id, values: attribute.values.join(', ') })
          : t('rule.attributeRequired', { field: attribute.name, activity: activity.id }));
      }
      continue;
    }
    switch (attribute.type) {
      case 'enum':
        if (!attribute.values.includes(value)) add(path, 'enum', t('rule.enum', { field: path, values: attribute.values.join(', ') }));
        break;
      case 'text':
        if (attribute.max_length != null && value.length > attribute.max_length) {
          add(path, 'max_length', t('rule.maxLength', { field: path, length: value.length, max: attribute.max_length }));
        }
        break;
      case 'integer':
        if (!whole(value)) add(path, 'type', t('rule.whole', { field: path }));
        else if ((attribute.min != null && value < attribute.min) || (attribute.max != null && value > attribute.max)) {
          add(path, 'range', t('rule.range', { field: path, min: attribute.min ?? 'any', max: attribute.max ?? 'any', value }));
        }
        break;
      case 'boolean':
        if (typeof value !== 'boolean') add(path, 'type', t('rule.boolean', { field: path }));
        break;
      case 'date':
        if (!validDay(value)) add(path, 'format', t('rule.day', { field: path }));
        break;
      default:
        break;
    }
  }
  for (const name of Object.keys(attributes)) {
    if (!(activity.attributes || []).some((a) => a.name === name)) {
      add(`attributes.${name}`, 'unknown_attribute', t('rule.unknownAttribute', { name, activity: activity.id }));
    }
  }

  const tallies = record.participants || [];
  if (tallies.length && !activity.participants) {
    add('participants', 'participants_not_allowed', t('rule.participantsNotAllowed', { activity: activity.id }));
  }
  const groups = (activity.participants && activity.participants.groups) || [];
  tallies.forEach((tally, i) => {
    const path = `participants[${i}]`;
    if (!groups.includes(tally.group)) add(`${path}.group`, 'enum', t('rule.enum', { field: `${path}.group`, values: groups.join(', ') }));
    if (!SEX_CODES.includes(tally.sex)) add(`${path}.sex`, 'enum', t('rule.enum', { field: `${path}.sex`, values: SEX_CODES.join(', ') }));
    if (!whole(tally.count) || tally.count < 0) add(`${path}.count`, 'range', t('rule.tally', { field: `${path}.count` }));
  });
  return v;
}
