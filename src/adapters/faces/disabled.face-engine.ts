import type { DetectedFace, FaceEngine, FaceMatch, PhotoImage, SelfieCheck } from '../../ports/face-engine.js';

/**
 * Face recognition turned off (FACE_RECOGNIZER_PROVIDER=none): photos are
 * processed with no faces and selfies are refused with a clear message.
 */
export class DisabledFaceEngine implements FaceEngine {
  readonly name: string = 'none';

  async indexPhotoFaces(_image: PhotoImage): Promise<DetectedFace[]> {
    return [];
  }

  async indexSelfie(): Promise<SelfieCheck> {
    return { ok: false, reason: 'NO_FACE', message: 'Face matching is turned off on this server.', faces: 0 };
  }

  async findParticipantsInPhoto(): Promise<FaceMatch[]> {
    return [];
  }

  async findParticipantInEvent(): Promise<FaceMatch[]> {
    return [];
  }

  async deletePhotoFaces(): Promise<void> {}
  async deleteParticipantFaces(): Promise<void> {}
  async deleteEventFaces(): Promise<void> {}
  async close(): Promise<void> {}
}
