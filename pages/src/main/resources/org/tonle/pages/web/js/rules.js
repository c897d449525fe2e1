// The server's record rules (DESIGN.md 4, pipelines Validate), checked in the browser before a
// record is kept or sent, with the same field paths and rule codes, so that a field officer
// sees a mistake next to the field at once and not after the connection comes back.
// The server stays the judge: anything it rejects is shown the same way.
import { SEX_CODES, today as todayText } from './dom.js';
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
  if (!record.program) add('program', 'required', 'program is required');
  if (!record.type) add('type', 'required', 'type is required');
  if (!record.office) add('office', 'required', 'office is required');
  else if (offices && !offices.includes(record.office)) add('office', 'office_not_permitted', `you may not record for office ${record.office}`);
  if (!record.date) add('date', 'required', 'date is required');
  else if (!validDay(record.date)) add('date', 'format', 'date must be a day written YYYY-MM-DD, e.g. 2015-08-14');
  else if (record.date > today) add('date', 'future_date', `date ${record.date} is in the future`);
  else if (record.date < '2000-01-01') add('date', 'date_too_early', `date ${record.date} is before 2000-01-01`);
  if (!whole(record.count) || record.count < 1) add('count', 'range', 'count must be a whole number, at least 1');
  if (!activity) return v;

  const subject = record.subject;
  if (activity.subject === 'none' || !activity.subject) {
    if (subject) add('subject', 'subject_not_allowed', `${activity.id} records have no subject; leave subject out`);
  } else if (!subject) {
    if (activity.subject === 'required') add('subject', 'required', `${activity.id} records need a subject with role and sex`);
  } else {
    const roles = activity.roles || [];
    if (!subject.role) add('subject.role', 'required', `subject.role is required (one of ${roles.join(', ')})`);
    else if (!roles.includes(subject.role)) add('subject.role', 'enum', `subject.role must be one of ${roles.join(', ')}`);
    if (!subject.sex) add('subject.sex', 'required', `subject.sex is required (one of ${SEX_CODES.join(', ')})`);
    else if (!SEX_CODES.includes(subject.sex)) add('subject.sex', 'enum', `subject.sex must be one of ${SEX_CODES.join(', ')}`);
    if (subject.age !== undefined && (!whole(subject.age) || subject.age < 0 || subject.age > 120)) {
      add('subject.age', 'range', 'subject.age must be a whole number from 0 to 120');
    }
  }

  const attributes = record.attributes || {};
  for (const attribute of activity.attributes || []) {
    const path = `attributes.${attribute.name}`;
    const value = attributes[attribute.name];
    if (value === undefined || value === null || value === '') {
      if (attribute.required) {
        add(path, 'required', `${attribute.name} is required for ${activity.id}`
          + (attribute.values && attribute.values.length ? ` (one of ${attribute.values.join(', ')})` : ''));
      }
      continue;
    }
    switch (attribute.type) {
      case 'enum':
        if (!attribute.values.includes(value)) add(path, 'enum', `${path} must be one of ${attribute.values.join(', ')}`);
        break;
      case 'text':
        if (attribute.max_length != null && value.length > attribute.max_length) {
          add(path, 'max_length', `${path} is ${value.length} characters long; at most ${attribute.max_length} are allowed`);
        }
        break;
      case 'integer':
        if (!whole(value)) add(path, 'type', `${path} must be a whole number`);
        else if ((attribute.min != null && value < attribute.min) || (attribute.max != null && value > attribute.max)) {
          add(path, 'range', `${path} must be from ${attribute.min ?? 'any'} to ${attribute.max ?? 'any'} (it was ${value})`);
        }
        break;
      case 'boolean':
        if (typeof value !== 'boolean') add(path, 'type', `${path} must be true or false`);
        break;
      case 'date':
        if (!validDay(value)) add(path, 'format', `${path} must be a day written YYYY-MM-DD`);
        break;
      default:
        break;
    }
  }
  for (const name of Object.keys(attributes)) {
    if (!(activity.attributes || []).some((a) => a.name === name)) {
      add(`attributes.${name}`, 'unknown_attribute', `'${name}' is not an attribute of ${activity.id}`);
    }
  }

  const tallies = record.participants || [];
  if (tallies.length && !activity.participants) {
    add('participants', 'participants_not_allowed', `${activity.id} records do not carry participant tallies`);
  }
  const groups = (activity.participants && activity.participants.groups) || [];
  tallies.forEach((tally, i) => {
    const path = `participants[${i}]`;
    if (!groups.includes(tally.group)) add(`${path}.group`, 'enum', `${path}.group must be one of ${groups.join(', ')}`);
    if (!SEX_CODES.includes(tally.sex)) add(`${path}.sex`, 'enum', `${path}.sex must be one of ${SEX_CODES.join(', ')}`);
    if (!whole(tally.count) || tally.count < 0) add(`${path}.count`, 'range', `${path}.count must be a whole number, 0 or more`);
  });
  return v;
}
