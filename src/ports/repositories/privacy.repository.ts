/** The erasures that span several tables, each in one transaction, and what they need to find. */
export interface PrivacyRepository {
  /** Photo faces matched to this guest or anyone they look for (`userId`), or to one person (`personId`), with where they are. */
  facesMatchedTo(who: { userId: string } | { personId: string }): Promise<{ faceId: string; photoId: string; eventId: string; engineFaceId: string | null }[]>;
  /** Deletes those matches (in one event when given) and these faces, together. */
  forgetMatches(who: { userId: string } | { personId: string }, faceIds: string[], eventId?: string): Promise<void>;
  /**
   * Deletes one person the guest added (or all of them) with their matches,
   * "not me" marks, rematch jobs and selfie rows, together.
   */
  deletePeople(userId: string, personId?: string): Promise<void>;
  /** Turns face matching off for the user's membership of the event; false when they are not a member. */
  stopMatching(userId: string, eventId: string): Promise<boolean>;
  /**
   * Deletes sign-in material that can no longer be used: expired sign-in links
   * and reset tokens, and signed-in devices expired or revoked more than
   * `keepRevokedDays` ago (their refresh tokens go with them), and expired
   * refresh tokens (spent ones stay until then, to recognise a reuse). Returns the rows deleted.
   */
  sweepExpiredCredentials(keepRevokedDays: number): Promise<number>;
  /** Deletes up to `limit` photos of the event (their faces and matches cascade); the ids deleted. */
  deletePhotosOf(eventId: string, limit: number): Promise<string[]>;
  /** Ends the membership with the user's matches and "not me" marks in the event's photos, together; false when there was none. */
  leaveEvent(userId: string, eventId: string): Promise<boolean>;
  /** Deletes the account row (its memberships, selfies, jobs and tokens cascade) and these throttling counters, together. */
  deleteAccount(userId: string, counterKeys: string[]): Promise<void>;
  /** Events whose face data is past retention on `today` (yyyy-mm-dd) and not yet erased. */
  eventsPastRetention(today: string): Promise<string[]>;
  /** Deletes the event's photo faces (matches cascade) and marks its face data erased, together. */
  eraseEventFaces(eventId: string, at: Date): Promise<void>;
  /** Users with a selfie and no event still within retention. */
  usersWithoutLiveEvent(): Promise<string[]>;
}
