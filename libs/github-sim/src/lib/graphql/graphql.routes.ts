import type { Request, Response } from 'express';
import { commonHeaders, errorBody, requestIdOf, sendJson } from '../http/api-router';
import type { SimContext } from '../http/sim-context';

/** POST /graphql (placeholder until the schema-backed executor lands). */
export function graphqlHandler(_ctx: SimContext) {
  return (_req: Request, res: Response): void => {
    commonHeaders(res, requestIdOf());
    sendJson(res, 501, errorBody(501, 'GraphQL is not implemented yet in the simulator'));
  };
}
