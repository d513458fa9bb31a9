import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { User } from '../../domain/entities/index.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { LoginInput, RegisterInput } from '../inputs/account.inputs.js';
import { AuthPayloadType, UserType } from '../types/user.type.js';

@Resolver()
export class AccountResolver {
  @Query(() => UserType, { nullable: true, description: 'The signed-in user; null when anonymous.' })
  me(@Ctx() ctx: GraphQLContext): User | null {
    // A presented but unusable token is an error, not "anonymous": the client must log in again.
    return ctx.authFailure ? viewerOf(ctx) : ctx.viewer;
  }

  @Mutation(() => AuthPayloadType, { description: 'Registrations are throttled per IP (RATE_LIMITED).' })
  register(@Arg('input', () => RegisterInput) input: RegisterInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.accounts.register(input, ctx.ip);
  }

  @Mutation(() => AuthPayloadType, { description: 'Failed attempts are throttled per email and per IP (RATE_LIMITED).' })
  login(@Arg('input', () => LoginInput) input: LoginInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.accounts.login(input.email, input.password, ctx.ip);
  }

  @Mutation(() => Boolean, { description: 'True, whether or not the account exists; mails a single-use, expiring link when it does. Throttled per address and per IP (RATE_LIMITED).' })
  async requestPasswordReset(@Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.accounts.requestPasswordReset(email, ctx.ip);
    return true;
  }

  @Mutation(() => Boolean, { description: 'Sets a new password and signs out every existing session.' })
  async resetPassword(
    @Arg('token', () => String) token: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<boolean> {
    await ctx.services.accounts.resetPassword(token, newPassword);
    return true;
  }
}
