import { PhotoStatus } from './entities/photo.entity.js';

const { PENDING, UPLOADED, PROCESSING, DONE, FAILED } = PhotoStatus;

/**
 * The photo state machine: every way a photo's status may change, by name.
 * The only place a status changes is `changeStatus`, and it takes one of
 * these: a photo moves only from a status listed in `from` to `to`.
 *
 *   PENDING ──uploaded──▶ UPLOADED ──started──▶ PROCESSING ──finished──▶ DONE
 *      │                    ▲   ▲                 │  │
 *      │                    │   └──retryLater──────┘  │ (also released by a dead worker)
 *      └──────rejected──▶ FAILED ◀─────failed─────────┘
 *                           └──retried──▶ UPLOADED
 */
export const PHOTO_TRANSITIONS = {
  /** The file is in storage (completePhotoUploads). */
  uploaded: { from: [PENDING], to: UPLOADED },
  /** Stored bytes larger than announced, seen before processing. */
  rejected: { from: [PENDING, UPLOADED], to: FAILED },
  /** A worker took the job; PENDING too, since an S3 notification can stand in for completePhotoUploads. */
  started: { from: [PENDING, UPLOADED, PROCESSING], to: PROCESSING },
  /** A passing failure: the job will be retried. */
  retryLater: { from: [PROCESSING], to: UPLOADED },
  /** The worker holding it stopped beating: queued again. */
  released: { from: [PROCESSING], to: UPLOADED },
  /** Processed: files written, faces stored and matched. */
  finished: { from: [PROCESSING, UPLOADED], to: DONE },
  /** A bad file, or the last attempt failed. */
  failed: { from: [PROCESSING, UPLOADED, PENDING], to: FAILED },
  /** The photographer asked for another try. */
  retried: { from: [FAILED], to: UPLOADED },
} as const satisfies Record<string, { from: readonly PhotoStatus[]; to: PhotoStatus }>;

export type PhotoTransition = keyof typeof PHOTO_TRANSITIONS;

/** True when `transition` may move a photo that is `status` now. */
export function canTransition(status: PhotoStatus, transition: PhotoTransition): boolean {
  return (PHOTO_TRANSITIONS[transition].from as readonly PhotoStatus[]).includes(status);
}
