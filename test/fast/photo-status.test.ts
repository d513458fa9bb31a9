import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhotoStatus } from '../../src/domain/entities/index.js';
import { canTransition, PHOTO_TRANSITIONS } from '../../src/domain/photo-status.js';

describe('photo state machine', () => {
  it('should let a photo leave DONE by no transition', () => {
    for (const name of Object.keys(PHOTO_TRANSITIONS) as (keyof typeof PHOTO_TRANSITIONS)[]) {
      assert.equal(canTransition(PhotoStatus.DONE, name), false, name);
    }
  });

  it('should retry only FAILED photos, and release only photos being processed', () => {
    assert.deepEqual(
      Object.values(PhotoStatus).filter((s) => canTransition(s, 'retried')),
      [PhotoStatus.FAILED],
    );
    assert.deepEqual(
      Object.values(PhotoStatus).filter((s) => canTransition(s, 'released')),
      [PhotoStatus.PROCESSING],
    );
  });

  it('should reach every status from PENDING', () => {
    const reached = new Set<PhotoStatus>([PhotoStatus.PENDING]);
    for (let changed = true; changed; ) {
      changed = false;
      for (const t of Object.values(PHOTO_TRANSITIONS)) {
        if (t.from.some((s) => reached.has(s)) && !reached.has(t.to)) {
          reached.add(t.to);
          changed = true;
        }
      }
    }
    assert.deepEqual([...reached].sort(), Object.values(PhotoStatus).sort());
  });
});
