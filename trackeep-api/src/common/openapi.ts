import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { isProductionMode, type ApiEnv } from '../config/api-env';

/** Whether /api/docs is served: API_DOCS when set, else everywhere but production mode (no public map of the API). */
export function apiDocsEnabled(env: Pick<ApiEnv, 'API_DOCS' | 'TRACKEEP_MODE' | 'NODE_ENV'>): boolean {
  return env.API_DOCS ?? !isProductionMode(env);
}

/** OpenAPI document from the controllers' decorators: Swagger UI at /api/docs, JSON at /api/docs.json. */
export function setupOpenApi(
  app: INestApplication,
  env: Pick<ApiEnv, 'API_DOCS' | 'TRACKEEP_MODE' | 'NODE_ENV'>,
): void {
  if (!apiDocsEnabled(env)) return;
  const config = new DocumentBuilder()
    .setTitle('Trackeep API')
    .setDescription(
      'Self-hosted GitHub activity tracker. Sign in at /api/v1/auth/login; the session is an HttpOnly cookie. ' +
        'State-changing requests must send the header `X-Trackeep-CSRF: 1`. Errors: `{ statusCode, error, message, code? }`.',
    )
    .setVersion('1')
    .addCookieAuth('trackeep_session', {
      type: 'apiKey',
      in: 'cookie',
      name: 'trackeep_session',
      description: '`__Host-trackeep_session` over https',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs.json',
    yamlDocumentUrl: 'api/docs.yaml',
  });
}
