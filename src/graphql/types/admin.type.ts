import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { EventProgressType } from './photo.type.js';

@ObjectType('WorkerStatus', { description: 'A worker process, from its heartbeats.' })
export class WorkerStatusType {
  @Field({ description: 'Its id.' })
  id!: string;

  @Field({ description: 'Host name.' })
  host!: string;

  @Field(() => Int, { description: 'Process id.' })
  pid!: number;

  @Field(() => Int, { description: 'Photos it processes at once.' })
  concurrency!: number;

  @Field({ description: 'When it started.' })
  startedAt!: Date;

  @Field({ description: 'Its last heartbeat.' })
  lastSeenAt!: Date;

  @Field({ description: 'Seen within the last 30 seconds.' })
  alive!: boolean;
}

@ObjectType('EventPhotoCounts', { description: "An event's photos by status (the counts of eventProgress), with its name." })
export class EventPhotoCountsType extends EventProgressType {
  @Field({ description: 'The event\'s name.' })
  eventName!: string;
}

@ObjectType('QueueStats', { description: 'The photo queue and the workers draining it.' })
export class QueueStatsType {
  @Field({ description: 'postgres (pg-boss) or sqs.' })
  driver!: string;

  @Field(() => Int, { description: 'Jobs waiting.' })
  waiting!: number;

  @Field(() => Int, { description: 'Jobs running.' })
  active!: number;

  @Field(() => Int, { description: 'Jobs that failed for good (postgres; with SQS see the dead-letter queue).' })
  failed!: number;

  @Field(() => Float, { nullable: true, description: 'Age of the oldest waiting job in seconds; null when none waits (or SQS).' })
  oldestWaitingSeconds!: number | null;

  @Field(() => [WorkerStatusType], { description: 'Worker processes heard from lately.' })
  workers!: WorkerStatusType[];

  @Field(() => [EventPhotoCountsType], { description: 'Photos by status for each event with work in progress.' })
  photosByEvent!: EventPhotoCountsType[];
}

@ObjectType('ApiUsage', { description: 'Calls to one API of the face service.' })
export class ApiUsageType {
  @Field({ description: 'The API name (IndexFaces, SearchFaces…).' })
  api!: string;

  @Field(() => Int, { description: 'Calls made to this API.' })
  calls!: number;

  @Field(() => Float, { description: 'Estimated cost in USD.' })
  usd!: number;
}

@ObjectType('UsageTotal', { description: 'Calls to the face service and their estimated cost.' })
export class UsageTotalType {
  @Field(() => Int, { description: 'Calls made to the face service.' })
  calls!: number;

  @Field(() => Float, { description: 'Estimated cost in USD.' })
  usd!: number;

  @Field(() => [ApiUsageType], { description: 'The same, by API.' })
  byApi!: ApiUsageType[];
}

@ObjectType('EventUsage', { description: 'One event\'s calls to the face service.' })
export class EventUsageType extends UsageTotalType {
  @Field(() => ID, { nullable: true, description: 'Null for calls that belong to no event (selfie checks).' })
  eventId!: string | null;

  @Field(() => String, { description: 'The event\'s name (null when it is gone).', nullable: true })
  eventName!: string | null;
}

@ObjectType('FaceEngineUsage', { description: 'Calls to the paid face service and what they cost, with the unit prices from config.' })
export class FaceEngineUsageType {
  @Field({ description: 'local, aws or none.' })
  provider!: string;

  @Field(() => Float, { description: 'Price per 1,000 calls (config).' })
  usdPer1000Calls!: number;

  @Field(() => Float, { description: 'Price per stored face per month (config).' })
  usdPerFaceMonth!: number;

  @Field(() => UsageTotalType, { description: 'Every call so far.' })
  total!: UsageTotalType;

  @Field(() => [EventUsageType], { description: 'The same, by event.' })
  byEvent!: EventUsageType[];

  @Field(() => Int, { description: 'Faces kept by the service (photo faces and active selfies).' })
  storedFaces!: number;

  @Field(() => Float, { description: 'Estimated monthly cost of the stored faces, in USD.' })
  storageUsdPerMonth!: number;
}

@ObjectType('Drivers', { description: 'Which adapter serves each concern.' })
export class DriversType {
  @Field({ description: 'embedded postgres or postgres (DATABASE_URL).' })
  database!: string;

  @Field({ description: 'local or s3.' })
  objectStore!: string;

  @Field({ description: 'postgres (pg-boss) or sqs.' })
  jobQueue!: string;

  @Field({ description: 'local, aws or none.' })
  faceEngine!: string;

  @Field({ description: 'log, smtp or custom.' })
  mailer!: string;
}

@ObjectType('SystemStatus', { description: 'How this deployment runs.' })
export class SystemStatusType {
  @Field({ description: 'FindMe version.' })
  version!: string;

  @Field({ description: 'NODE_ENV.' })
  environment!: string;

  @Field({ description: 'Node.js version.' })
  node!: string;

  @Field({ description: 'PostgreSQL version.' })
  postgres!: string;

  @Field({ description: 'Host name.' })
  host!: string;

  @Field(() => [String], { description: 'Configuration layers loaded, lowest precedence first (defaults, .env, environment, ssm:<prefix>).' })
  configSources!: string[];

  @Field(() => String, { description: 'The SSM prefix config was read from, if any.', nullable: true })
  ssmPrefix!: string | null;

  @Field(() => DriversType, { description: 'Which adapter serves each concern.' })
  drivers!: DriversType;

  @Field(() => [String], { description: 'Database migrations applied.' })
  migrations!: string[];

  @Field({ description: 'When this process started.' })
  startedAt!: Date;

  @Field(() => Int, { description: 'Seconds since then.' })
  uptimeSeconds!: number;
}
