/** Weekday keys used in schedules and in `now.weekday`. */
export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];

/** An instant as seen on a wall clock in a time zone: what flows compare schedules with. */
export interface LocalTime {
  /** The instant, ISO 8601 UTC. */
  iso: string;
  timeZone: string;
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM, 24-hour */
  time: string;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: Weekday;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The last reading per time zone: flows read `now` in every step, and it changes once a minute. */
const lastReadings = new Map<string, LocalTime>();

/** The wall-clock reading of an instant in a time zone (Intl does the zone rules, DST included). */
export function localTime(iso: string, timeZone: string): LocalTime {
  const last = lastReadings.get(timeZone);
  // Same minute (ISO strings share the prefix up to the minute): only the instant differs. Zone
  // offsets are whole minutes, so the minute decides every other field.
  if (last && last.iso.slice(0, 16) === iso.slice(0, 16) && iso.length === last.iso.length) return { ...last, iso };
  const reading = readLocalTime(iso, timeZone);
  if (lastReadings.size > 1000) lastReadings.clear();
  lastReadings.set(timeZone, reading);
  return reading;
}

function readLocalTime(iso: string, timeZone: string): LocalTime {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(Date.parse(iso)).map((part) => [part.type, part.value]));
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const weekday = String(parts.weekday).slice(0, 3).toLowerCase() as Weekday;
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    iso,
    timeZone,
    date: `${year}-${pad(month)}-${pad(day)}`,
    time: `${pad(hour)}:${pad(minute)}`,
    year,
    month,
    day,
    hour,
    minute,
    weekday,
  };
}

/** Opening hours: per weekday a list of [open, close) periods in HH:MM, and closed dates. */
export interface WeeklySchedule {
  weekly: Partial<Record<Weekday, { open: string; close: string }[]>>;
  holidays?: string[];
}

/** Whether the schedule is open at this local time. A close of "24:00" means midnight at the end of the day. */
export function isOpen(schedule: WeeklySchedule, at: LocalTime): boolean {
  if (schedule.holidays?.includes(at.date)) return false;
  const periods = schedule.weekly[at.weekday] ?? [];
  return periods.some((period) => period.open <= at.time && at.time < period.close);
}
