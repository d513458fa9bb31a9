import type { AuthChecker } from 'type-graphql';
import type { Role } from '../domain/entities/index.js';
import { ForbiddenError } from '../domain/errors.js';
import { viewerOf, type GraphQLContext } from './context.js';

/** `@Authorized()` needs a signed-in user; `@Authorized(Role.X, …)` one of those roles. */
export const authChecker: AuthChecker<GraphQLContext, Role> = ({ context }, roles) => {
  const viewer = viewerOf(context);
  if (roles.length > 0 && !roles.includes(viewer.role)) {
    throw new ForbiddenError(`This needs the ${roles.join(' or ')} role.`);
  }
  return true;
};
