import type { DoraBand } from '@trackeep/contracts';

/**
 * Performance clusters of the 2024 Accelerate State of DevOps report (DORA, Google Cloud), table "Software
 * delivery performance levels":
 *
 * | | elite | high | medium | low |
 * |---|---|---|---|---|
 * | deployment frequency | on demand (several a day) | daily to weekly | weekly to monthly | monthly to every six months |
 * | lead time for changes | under a day | a day to a week | a week to a month | a month to six months |
 * | change failure rate | 5% | 20% | 10% | 40% |
 * | failed deployment recovery time | under an hour | under a day | under a day | a week to a month |
 *
 * The report describes clusters, not ranges, so two choices are ours: the change failure rate takes the
 * cluster whose typical rate is nearest (in 2024 the medium cluster's, 10%, is lower than the high one's,
 * 20%), and a recovery between a day and a week, which no cluster names, is medium.
 */
export const DORA_BANDS_SOURCE = '2024 Accelerate State of DevOps report (DORA)';

const DAY_H = 24;

/** Successful deployments per day. */
export function frequencyBand(perDay: number): DoraBand {
  if (perDay >= 1) return 'elite';
  if (perDay >= 1 / 7) return 'high';
  if (perDay >= 1 / 30) return 'medium';
  return 'low';
}

export function leadTimeBand(hours: number): DoraBand {
  if (hours < DAY_H) return 'elite';
  if (hours < 7 * DAY_H) return 'high';
  if (hours < 30 * DAY_H) return 'medium';
  return 'low';
}

/** 0..1; the nearest cluster's typical rate (5%, 10%, 20%, 40%), halfway goes to the lower rate's cluster. */
export function changeFailureBand(rate: number): DoraBand {
  if (rate <= 0.075) return 'elite';
  if (rate <= 0.15) return 'medium';
  if (rate <= 0.3) return 'high';
  return 'low';
}

export function recoveryBand(hours: number): DoraBand {
  if (hours < 1) return 'elite';
  if (hours < DAY_H) return 'high';
  if (hours < 7 * DAY_H) return 'medium';
  return 'low';
}
