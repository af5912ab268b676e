import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, type WebhookDeliveryStatus } from '@trackeep/contracts';

export const DELIVERY_STATUSES: WebhookDeliveryStatus[] = [
  'pending',
  'processing',
  'processed',
  'ignored',
  'failed',
  'parked',
];

/** GET /webhooks/deliveries query. */
export class ListDeliveriesQuery {
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: WebhookDeliveryStatus;

  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, { message: 'event must be a GitHub event name, e.g. push' })
  event?: string;

  /** owner/name of a tracked repository. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, { message: 'repo must be owner/name' })
  repo?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_SIZE_MAX)
  limit: number = PAGE_SIZE_DEFAULT;
}
