import { Field, InputType, Int } from 'type-graphql';

@InputType('UploadFileInput')
export class UploadFileInput {
  @Field()
  filename!: string;

  @Field({ description: 'image/jpeg, image/png or image/webp.' })
  contentType!: string;

  @Field(() => Int, { description: 'Exact size in bytes; the upload target refuses more.' })
  byteSize!: number;
}
