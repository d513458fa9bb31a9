import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { EventProgressType } from './photo.type.js';

@ObjectType('WorkerStatus', { description: 'A worker process, from its heartbeats.' })
export class WorkerStatusType {
  @Field()
  id!: string;

  @Field()
  host!: string;

  @Field(() => Int)
  pid!: number;

  @Field(() => Int, { description: 'Photos it processes at once.' })
  concurrency!: number;

  @Field()
  startedAt!: Date;

  @Field()
  lastSeenAt!: Date;

  @Field({ description: 'Seen within the last 30 seconds.' })
  alive!: boolean;
}

@ObjectType('EventPhotoCounts', { description: "An event's photos by status (the counts of eventProgress), with its name." })
export class EventPhotoCountsType extends EventProgressType {
  @Field()
  eventName!: string;
}

@ObjectType('QueueStats', { description: 'The photo queue and the workers draining it.' })
export class QueueStatsType {
  @Field({ description: 'postgres (pg-boss) or sqs.' })
  driver!: string;

  @Field(() => Int)
  waiting!: number;

  @Field(() => Int)
  active!: number;

  @Field(() => Int, { description: 'Jobs that failed for good (postgres; with SQS see the dead-letter queue).' })
  failed!: number;

  @Field(() => Float, { nullable: true, description: 'Age of the oldest waiting job in seconds; null when none waits (or SQS).' })
  oldestWaitingSeconds!: number | null;

  @Field(() => [WorkerStatusType])
  workers!: WorkerStatusType[];

  @Field(() => [EventPhotoCountsType])
  photosByEvent!: EventPhotoCountsType[];
}

@ObjectType('ApiUsage')
export class ApiUsageType {
  @Field()
  api!: string;

  @Field(() => Int, { description: 'Calls made to this API.' })
  calls!: number;

  @Field(() => Float, { description: 'Estimated cost in USD.' })
  usd!: number;
}

@ObjectType('UsageTotal')
export class UsageTotalType {
  @Field(() => Int, { description: 'Calls made to the face service.' })
  calls!: number;

  @Field(() => Float, { description: 'Estimated cost in USD.' })
  usd!: number;

  @Field(() => [ApiUsageType])
  byApi!: ApiUsageType[];
}

@ObjectType('EventUsage')
export class EventUsageType extends UsageTotalType {
  @Field(() => ID, { nullable: true, description: 'Null for calls that belong to no event (selfie checks).' })
  eventId!: string | null;

  @Field(() => String, { nullable: true })
  eventName!: string | null;
}

@ObjectType('FaceEngineUsage', { description: 'Calls to the paid face service and what they cost, with the unit prices from config.' })
export class FaceEngineUsageType {
  @Field({ description: 'local, aws or none.' })
  provider!: string;

  @Field(() => Float)
  usdPer1000Calls!: number;

  @Field(() => Float)
  usdPerFaceMonth!: number;

  @Field(() => UsageTotalType)
  total!: UsageTotalType;

  @Field(() => [EventUsageType])
  byEvent!: EventUsageType[];

  @Field(() => Int, { description: 'Faces kept by the service (photo faces and active selfies).' })
  storedFaces!: number;

  @Field(() => Float)
  storageUsdPerMonth!: number;
}

@ObjectType('Drivers')
export class DriversType {
  @Field()
  database!: string;

  @Field()
  objectStore!: string;

  @Field()
  jobQueue!: string;

  @Field()
  faceEngine!: string;

  @Field()
  mailer!: string;
}

@ObjectType('SystemStatus', { description: 'How this deployment runs.' })
export class SystemStatusType {
  @Field()
  version!: string;

  @Field()
  environment!: string;

  @Field()
  node!: string;

  @Field()
  postgres!: string;

  @Field()
  host!: string;

  @Field(() => [String], { description: 'Configuration layers loaded, lowest precedence first (defaults, .env, environment, ssm:<prefix>).' })
  configSources!: string[];

  @Field(() => String, { nullable: true })
  ssmPrefix!: string | null;

  @Field(() => DriversType)
  drivers!: DriversType;

  @Field(() => [String], { description: 'Database migrations applied.' })
  migrations!: string[];

  @Field()
  startedAt!: Date;

  @Field(() => Int)
  uptimeSeconds!: number;
}
