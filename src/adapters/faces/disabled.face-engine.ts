import type { DetectedFace, FaceEngine } from '../../ports/face-engine.js';

/** Records no faces: the pipeline runs end to end without face recognition (FACE_RECOGNIZER_PROVIDER=none). */
export class DisabledFaceEngine implements FaceEngine {
  readonly name = 'none';

  async indexPhotoFaces(): Promise<DetectedFace[]> {
    return [];
  }

  async deletePhotoFaces(): Promise<void> {}
}
