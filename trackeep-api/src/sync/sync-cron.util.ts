import { registerDecorator, type ValidationOptions } from 'class-validator';
import { CronTime, validateCronExpression } from 'cron';

/** Validates a cron expression (5 fields, or 6 with seconds) the way the scheduler will parse it. */
export function IsCronExpression(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isCronExpression',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be a cron expression such as "*/15 * * * *" (5 fields, or 6 with seconds)`,
        ...options,
      },
      validator: {
        validate: (value: unknown) => typeof value === 'string' && validateCronExpression(value).valid,
      },
    });
}

/** The next time a cron expression fires after `from`. */
export function nextFireTime(expression: string, from = new Date()): Date {
  return new CronTime(expression).getNextDateFrom(from).toJSDate();
}

/** The next `count` times a cron expression fires after `from`. */
export function nextFireTimes(expression: string, count: number, from = new Date()): Date[] {
  const time = new CronTime(expression);
  const out: Date[] = [];
  let cursor = from;
  for (let i = 0; i < count; i++) {
    const next = time.getNextDateFrom(cursor).toJSDate();
    out.push(next);
    cursor = new Date(next.getTime() + 1);
  }
  return out;
}

/** The shortest gap between two consecutive firings (sampled), used to tell two cycles apart. */
export function cronPeriodMs(expression: string): number {
  let min = Infinity;
  let previous: Date | undefined;
  for (const time of nextFireTimes(expression, 6)) {
    if (previous) min = Math.min(min, time.getTime() - previous.getTime());
    previous = time;
  }
  return Number.isFinite(min) ? min : 60_000;
}
