import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Photo } from '../../domain/entities/index.js';
import type { PersonView } from '../../services/people.service.js';
import { viewerOf, type GraphQLContext } from '../context.js';
import { AddPersonInput, PersonType } from '../types/person.type.js';
import { PhotoType } from '../types/photo.type.js';
import { SelfieStateType } from '../types/selfie.type.js';

@Resolver(() => PersonType)
export class PeopleResolver {
  @Authorized()
  @Query(() => [PersonType], { description: 'The people you look for: you first (isMe), then those you added.' })
  myPeople(@Ctx() ctx: GraphQLContext): Promise<PersonView[]> {
    return ctx.services.people.myPeople(viewerOf(ctx));
  }

  @Authorized()
  @Mutation(() => PersonType, {
    description: 'Adds someone without a phone to look for (at most 4; CONFLICT past that). You consent on their behalf (privacyPolicy.guardianConsentText). Then send 1 to 3 selfies of them with requestSelfieUpload(personId). Throttled (RATE_LIMITED).',
  })
  addPerson(@Arg('input', () => AddPersonInput, { description: 'Their name and the consent version.' }) input: AddPersonInput, @Ctx() ctx: GraphQLContext): Promise<PersonView> {
    return ctx.services.people.addPerson(viewerOf(ctx), input);
  }

  @Authorized()
  @Mutation(() => ID, { description: "Removes a person you added, erasing their selfies, face data, references and matches. Returns their id. Throttled (RATE_LIMITED)." })
  removePerson(@Arg('id', () => ID, { description: "The person's id (from myPeople)." }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return ctx.services.people.removePerson(viewerOf(ctx), id);
  }

  @Authorized()
  @Mutation(() => PhotoType, {
    description:
      '"This is me" (or, with personId, someone you added): the face becomes theirs in this photo (a photo you may see), and a reference for their next searches; a search of your events follows over rematchProgress. FACE_NOT_YOURS when the face does not look like their selfies. "Not me" (rejectMatch) undoes it. Throttled hardest (RATE_LIMITED).',
  })
  async claimFace(
    @Arg('photoId', () => ID, { description: 'The photo.' }) photoId: string,
    @Arg('faceIndex', () => Int, { description: 'The face\'s index (Photo.faces).' }) faceIndex: number,
    @Arg('personId', () => ID, { nullable: true, description: 'Whose face it is: you by default, or someone you added.' }) personId: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Photo> {
    return (await ctx.services.people.claimFace(viewerOf(ctx), { photoId, faceIndex, personId }, ctx.ip)).photo;
  }

  @FieldResolver(() => [SelfieStateType], { description: 'Their selfies in use or being checked, newest first (and a refused one while it is the newest).' })
  async selfies(@Root() person: PersonView, @Ctx() ctx: GraphQLContext): Promise<SelfieStateType[]> {
    const states = await ctx.services.people.selfiesOf(viewerOf(ctx), person.id);
    return states.map(({ selfie, lastJob }) => ({ id: selfie.id, status: selfie.status, uploadedAt: selfie.createdAt, message: selfie.validationMessage, lastJob }));
  }
}
