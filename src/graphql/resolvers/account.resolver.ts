import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role, type User } from '../../domain/entities/index.js';
import { UnauthenticatedError } from '../../domain/errors.js';
import type { Session } from '../../services/account.service.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { ChangePasswordInput, LoginInput, RegisterInput, RegistrationRole, UpdateProfileInput } from '../inputs/account.inputs.js';
import { AuthPayloadType, UserType } from '../types/user.type.js';

@Resolver()
export class AccountResolver {
  @Query(() => UserType, { nullable: true, description: 'The signed-in user; null when anonymous.' })
  me(@Ctx() ctx: GraphQLContext): User | null {
    // A presented but unusable token is an error, not "anonymous": the client must log in again.
    return ctx.authFailure ? viewerOf(ctx) : ctx.viewer;
  }

  @Mutation(() => AuthPayloadType, { description: 'Registrations are throttled per IP (RATE_LIMITED).' })
  async register(@Arg('input', () => RegisterInput, { description: 'Email, display name, role and (except for guests) a password.' }) input: RegisterInput, @Ctx() ctx: GraphQLContext) {
    // RegistrationRole's values are Role's, minus ADMIN.
    return deliver(ctx, await ctx.services.accounts.register({ ...input, role: input.role === RegistrationRole.PHOTOGRAPHER ? Role.PHOTOGRAPHER : Role.PARTICIPANT }, ctx.ip));
  }

  @Mutation(() => AuthPayloadType, { description: 'Failed attempts are throttled per email and per IP (RATE_LIMITED).' })
  async login(@Arg('input', () => LoginInput, { description: 'Email and password.' }) input: LoginInput, @Ctx() ctx: GraphQLContext) {
    return deliver(ctx, await ctx.services.accounts.login(input.email, input.password, ctx.ip));
  }

  @Mutation(() => AuthPayloadType, {
    description:
      'Rotates the session: a new access token and a new refresh token; the one given is spent. The argument may be omitted when the refresh cookie is sent. A spent refresh token presented again ends its whole session (UNAUTHENTICATED).',
  })
  async refreshSession(@Arg('refreshToken', () => String, { nullable: true, description: 'The refresh token; omit it when the refresh cookie is sent.' }) refreshToken: string | null | undefined, @Ctx() ctx: GraphQLContext) {
    const token = refreshToken ?? ctx.refreshCookie?.read();
    if (!token) throw new UnauthenticatedError('No refresh token: pass refreshToken, or send the refresh cookie.');
    try {
      return deliver(ctx, await ctx.services.accounts.refresh(token));
    } catch (err) {
      if (!refreshToken) ctx.refreshCookie?.clear();
      throw err;
    }
  }

  @Mutation(() => Boolean, {
    description: "Signs this device out: the caller's access token and its refresh token (or the refresh cookie's session) stop working, and the cookie is cleared. Open graphql-ws sockets of the session are closed with 4403.",
  })
  async logout(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    const cookie = ctx.refreshCookie?.read();
    const fromCookie = cookie ? await ctx.services.accounts.sessionOfRefreshToken(cookie) : null;
    await ctx.services.accounts.logout([ctx.sessionId, fromCookie].filter((id): id is string => id !== null), ctx.viewer?.id);
    ctx.refreshCookie?.clear();
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Signs the caller out on every device: every access and refresh token issued so far stops working.' })
  async logoutEverywhere(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.accounts.logoutEverywhere(viewerOf(ctx));
    ctx.refreshCookie?.clear();
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: 'Changes your password; the current one is checked (wrong guesses count as failed logins). Every other device is signed out; this one stays signed in.',
  })
  async changePassword(@Arg('input', () => ChangePasswordInput, { description: 'Your current password and the new one.' }) input: ChangePasswordInput, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.accounts.changePassword(viewerOf(ctx), input.currentPassword, input.newPassword, ctx.sessionId, ctx.ip);
    return true;
  }

  @Authorized()
  @Mutation(() => UserType, { description: 'Changes your display name.' })
  updateProfile(@Arg('input', () => UpdateProfileInput, { description: 'What to change.' }) input: UpdateProfileInput, @Ctx() ctx: GraphQLContext): Promise<User> {
    return ctx.services.accounts.updateProfile(viewerOf(ctx), input);
  }

  @Mutation(() => Boolean, { description: 'True, whether or not the account exists; mails a single-use, expiring link when it does. Throttled per address and per IP (RATE_LIMITED).' })
  async requestPasswordReset(@Arg('email', () => String, { description: 'The account email.' }) email: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.accounts.requestPasswordReset(email, ctx.ip);
    return true;
  }

  @Mutation(() => Boolean, {
    description:
      'True, whether or not the address belongs to a guest; mails a guest a single-use link (PUBLIC_URL/sign-in?token=…) that signs them in without a password. Throttled per address and per IP (RATE_LIMITED). Photographers sign in with their password.',
  })
  async requestSignInLink(@Arg('email', () => String, { description: 'The guest\'s email.' }) email: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.accounts.requestSignInLink(email, ctx.ip);
    return true;
  }

  @Mutation(() => AuthPayloadType, { description: 'Signs in with the token of an emailed link; a link works once and expires (BAD_USER_INPUT otherwise).' })
  async signInWithLink(@Arg('token', () => String, { description: 'The token from the emailed link.' }) token: string, @Ctx() ctx: GraphQLContext) {
    return deliver(ctx, await ctx.services.accounts.signInWithLink(token));
  }

  @Mutation(() => Boolean, { description: 'Sets a new password and signs out every existing session.' })
  async resetPassword(
    @Arg('token', () => String, { description: 'The token from the emailed link.' }) token: string,
    @Arg('newPassword', () => String, { description: 'At least 10 characters.' }) newPassword: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<boolean> {
    await ctx.services.accounts.resetPassword(token, newPassword);
    return true;
  }
}

/** The session for the client: the refresh token in the body, or only in the HttpOnly cookie when the client asked for it. */
function deliver(ctx: GraphQLContext, session: Session): Session | (Omit<Session, 'refreshToken'> & { refreshToken: null }) {
  if (!ctx.refreshCookie?.wanted) return session;
  ctx.refreshCookie.set(session.refreshToken, session.refreshExpiresAt);
  return { ...session, refreshToken: null };
}
