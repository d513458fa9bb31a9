import { Field, ObjectType } from 'type-graphql';

@ObjectType('Wall', { description: "What the venue's screen shows around the photos (anyone with the wall link)." })
export class WallType {
  @Field({ description: "The event's name." })
  eventName!: string;

  @Field({ description: 'Where guests join the event and find their photos (for the QR code in a corner of the wall).' })
  joinUrl!: string;
}
