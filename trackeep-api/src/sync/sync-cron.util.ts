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
  const times = nextFireTimes(expression, 6);
  let min = Infinity;
  for (let i = 1; i < times.length; i++) min = Math.min(min, times[i].getTime() - times[i - 1].getTime());
  return Number.isFinite(min) ? min : 60_000;
}
