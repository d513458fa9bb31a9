/** The stages of processing one photo (faces and renditions overlap). */
/** `decode`, `boxes` and `descriptors` split `faces`, for engines that report them (the local one). */
export type PhotoStage = 'read' | 'renditions' | 'faces' | 'decode' | 'boxes' | 'descriptors' | 'database' | 'matching';

/** What the application reports about itself (Prometheus in production, nothing in tools). */
export interface Telemetry {
  graphqlOperation(operation: string, outcome: 'ok' | 'error', seconds: number): void;
  httpResponse(status: number): void;
  photoFinished(outcome: 'done' | 'failed'): void;
  /** Time spent in one stage of the face pipeline: detect (photo faces), match, selfie. */
  faceStage(stage: 'detect' | 'match' | 'selfie', seconds: number): void;
  faceEngineCall(api: string): void;
  /** Time one photo spent in one stage of processing. */
  photoStage(stage: PhotoStage, seconds: number): void;
  socketOpened(): void;
  socketClosed(): void;
  /** The series as Prometheus text, for /metrics; absent when nothing is collected. */
  render?(): Promise<{ contentType: string; body: string }>;
}

export const noTelemetry: Telemetry = {
  graphqlOperation: () => undefined,
  httpResponse: () => undefined,
  photoFinished: () => undefined,
  faceStage: () => undefined,
  faceEngineCall: () => undefined,
  photoStage: () => undefined,
  socketOpened: () => undefined,
  socketClosed: () => undefined,
};
