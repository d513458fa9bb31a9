import type { DetectedFace, FaceEngine, FaceMatch, ParticipantFace, PhotoImage, SelfieCheck, StoredFace } from '../../ports/face-engine.js';

/**
 * Face recognition turned off (FACE_RECOGNIZER_PROVIDER=none): photos are
 * processed with no faces and selfies are refused with a clear message.
 */
export class DisabledFaceEngine implements FaceEngine {
  readonly name: string = 'none';

  async indexPhotoFaces(_image: PhotoImage): Promise<DetectedFace[]> {
    return [];
  }

  async indexSelfie(_input: { personId: string; selfieId: string; image: Buffer; objectKey: string; eventIds: string[] }): Promise<SelfieCheck> {
    return { ok: false, reason: 'NO_FACE', message: 'Face matching is turned off on this server.', faces: 0 };
  }

  prefersBatchSearch(_faces: number, _participants: number, _batchSize: number): boolean {
    return false;
  }

  async findParticipantsInPhoto(_input: { eventId: string; photoId: string; faces: StoredFace[]; participants: ParticipantFace[] }): Promise<FaceMatch[]> {
    return [];
  }

  async findParticipantInEvent(_input: { eventId: string; participant: ParticipantFace }): Promise<FaceMatch[]> {
    return [];
  }

  async judgeClaim(): Promise<{ plausible: boolean; similarity: number }> {
    return { plausible: false, similarity: 0 };
  }

  async deletePhotoFaces(): Promise<void> {}
  async deleteParticipantFaces(): Promise<void> {}
  async deleteEventFaces(): Promise<void> {}
  async close(): Promise<void> {}
}
