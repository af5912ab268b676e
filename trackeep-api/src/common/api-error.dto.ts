import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import type { ApiError, ApiErrorCode } from '@trackeep/contracts';

const ERROR_CODES: ApiErrorCode[] = [
  'session_missing',
  'session_expired',
  'session_revoked',
  'github_reauth_required',
  'github_token_refresh_unavailable',
  'repo_not_found',
  'repo_access_lost',
  'installation_not_found',
  'org_not_found',
  'team_not_found',
  'person_not_found',
  'csrf_rejected',
  'permission_denied',
  'sign_in_failed',
  'validation_failed',
  'rate_limited',
  'service_unavailable',
];

export class ApiErrorDto implements ApiError {
  @ApiProperty({ example: 404 }) statusCode!: number;
  @ApiProperty({ example: 'Not Found' }) error!: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Repository octocat/x is not tracked or not accessible',
  })
  message!: string | string[];
  @ApiPropertyOptional({ enum: ERROR_CODES }) code?: ApiErrorCode;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (code validation_failed); message names the field',
  401: 'No valid session (session_missing, session_expired, session_revoked) or GitHub rejected the token (github_reauth_required)',
  403: 'CSRF check failed (csrf_rejected)',
  404: 'Unknown, untracked or inaccessible repository (repo_not_found)',
  429: 'Too many requests (rate_limited)',
  502: 'GitHub failed to answer',
  503: 'A dependency is unavailable: the database (code service_unavailable, with Retry-After), the gateway or GitHub; github_token_refresh_unavailable: your GitHub token expired and could not be renewed just now (try again shortly; no new sign-in needed)',
};

/** Documents the error answers of an endpoint, all with the ApiErrorDto body. */
export function ApiErrorResponses(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, type: ApiErrorDto, description: DESCRIPTIONS[status] ?? 'Error' }),
    ),
  );
}
