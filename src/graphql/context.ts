import type { Logger } from 'pino';
import type { User } from '../domain/entities/index.js';
import { UnauthenticatedError } from '../domain/errors.js';
import type { AccountService, AuthFailure } from '../services/account.service.js';
import type { EventService } from '../services/event.service.js';
import type { PhotoService } from '../services/photo.service.js';
import type { PrivacyService } from '../services/privacy.service.js';
import type { AdminService } from '../services/admin.service.js';
import type { ArchiveService } from '../services/archive.service.js';
import type { DriveImportService } from '../services/drive-import.service.js';
import type { WallService } from '../services/wall.service.js';
import type { NewPhotoEmails } from '../services/new-photo-emails.service.js';
import type { PeopleService } from '../services/people.service.js';
import type { SelfieService } from '../services/selfie.service.js';
import type { PrivacyPolicy } from '../services/privacy-policy.js';
import type { LiveEvents } from './live-events.js';

/** Services bound to one request's EntityManager. */
export interface RequestServices {
  accounts: AccountService;
  events: EventService;
  photos: PhotoService;
  selfies: SelfieService;
  people: PeopleService;
  privacy: PrivacyService;
  admin: AdminService;
  archives: ArchiveService;
  newPhotoEmails: NewPhotoEmails;
  walls: WallService;
  drive: DriveImportService;
}

/** The refresh-token cookie of an HTTP request (there is none over graphql-ws). */
export interface RefreshCookie {
  /**
   * The client asked for the cookie (`X-FindMe-Refresh: cookie`, as the web
   * app does): the refresh token is then set as an HttpOnly cookie and never
   * appears in a response body.
   */
  readonly wanted: boolean;
  read(): string | undefined;
  set(token: string, expiresAt: Date): void;
  clear(): void;
}

export interface GraphQLContext {
  /** The authenticated user, or null for anonymous requests. */
  viewer: User | null;
  /** The signed-in device the access token was issued to (null for older tokens or anonymous requests). */
  sessionId: string | null;
  refreshCookie: RefreshCookie | null;
  /** Why a presented token was not accepted (null when none was presented or it was fine). */
  authFailure: AuthFailure | null;
  tokenExpiresAt: Date | null;
  services: RequestServices;
  /** Services on a new unit of work: long-lived subscriptions reload through these, never through a stale one. */
  freshServices: () => RequestServices;
  live: LiveEvents;
  progressMinIntervalMs: number;
  /** Consent text and retention rules, from config. */
  privacyPolicy: PrivacyPolicy;
  /** The addresses other devices reach this server at (PUBLIC_URL, or the machine's network addresses). */
  reachableAt: () => string[];
  ip: string;
  requestId: string;
  logger: Logger;
}

/** Someone a token authenticated, until when. */
export interface Session {
  viewer: User;
  expiresAt: Date | null;
  sessionId: string | null;
}

/**
 * Builds a context: from the request's `Authorization` header (HTTP), or from
 * a session the transport authenticated once already (a graphql-ws socket).
 */
export type ContextFactory = (input: {
  /** The address the client reached FindMe at (see requestOrigin), or null: URLs for this client are made for it. */
  origin: string | null;
  authorization: string | undefined;
  session?: Session | null;
  refreshCookie?: RefreshCookie | null;
  ip: string;
  requestId: string;
}) => Promise<GraphQLContext>;

const FAILURE_MESSAGES: Record<AuthFailure, string> = {
  expired: 'Your session has expired; log in again.',
  invalid: 'The token is not valid; log in again.',
  revoked: 'This session is no longer valid; log in again.',
};

/** The authenticated user, or UNAUTHENTICATED saying why not. */
export function viewerOf(context: GraphQLContext): User {
  if (context.viewer) return context.viewer;
  throw new UnauthenticatedError(context.authFailure ? FAILURE_MESSAGES[context.authFailure] : undefined);
}

/** Extracts the token from `Bearer <token>`; undefined when absent or malformed. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
