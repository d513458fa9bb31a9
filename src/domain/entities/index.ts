import { AuthSession, RefreshToken } from './auth-session.entity.js';
import { Event } from './event.entity.js';
import { Face } from './face.entity.js';
import { Match, MatchRejection } from './match.entity.js';
import { Participation } from './participation.entity.js';
import { PasswordResetToken, SignInLink } from './password-reset-token.entity.js';
import { Photo } from './photo.entity.js';
import { RateLimitBucket } from './rate-limit-bucket.entity.js';
import { RematchJob } from './rematch-job.entity.js';
import { Selfie } from './selfie.entity.js';
import { User } from './user.entity.js';
import { FaceEngineCall, JobKey, WorkerHeartbeat } from './operations.entity.js';
import { DriveFile, DriveImport } from './drive-import.entity.js';
import { Person } from './person.entity.js';

export { AuthSession, DriveFile, DriveImport, Event, Face, FaceEngineCall, JobKey, Match, MatchRejection, Participation, PasswordResetToken, Person, Photo, RateLimitBucket, RefreshToken, RematchJob, Selfie, SignInLink, User, WorkerHeartbeat };
export { RematchStatus } from './rematch-job.entity.js';
export { Role } from './user.entity.js';
export { PhotoStatus } from './photo.entity.js';
export { SelfieStatus } from './selfie.entity.js';
export { MatchSource } from './match.entity.js';
export { OriginalsPolicy } from './event.entity.js';
export { ParticipantStatus } from './participation.entity.js';
export { DriveFileOutcome, DriveImportStatus } from './drive-import.entity.js';

/** Every entity, for the ORM configuration. */
export const entities = [User, Event, Participation, Selfie, Photo, Face, Match, PasswordResetToken, RateLimitBucket, RematchJob, FaceEngineCall, WorkerHeartbeat, JobKey, AuthSession, RefreshToken, MatchRejection, SignInLink, DriveImport, DriveFile, Person];
