import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'trackeep:isPublic';

/**
 * Marks a route (or a whole controller) as reachable without a session. The global SessionGuard protects
 * everything else, including its CSRF check; public routes must do their own authentication if they need
 * any (e.g. webhook signatures).
 */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
