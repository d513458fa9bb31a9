import { Field, InputType, Int } from 'type-graphql';

@InputType('UploadFileInput', { description: 'A file about to be uploaded.' })
export class UploadFileInput {
  @Field({ description: 'The file name (shown to guests and used for downloads).' })
  filename!: string;

  @Field({ description: 'image/jpeg, image/png or image/webp.' })
  contentType!: string;

  @Field(() => Int, { description: 'Exact size in bytes; the upload target refuses more.' })
  byteSize!: number;

  @Field(() => String, {
    nullable: true,
    description: "The file's SHA-256 (hex). A file already in the event is refused with CONFLICT naming the photo; one requested but never uploaded gets a new target.",
  })
  sha256?: string | null;
}
