import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueStats } from '../../ports/job-queue.js';
import type { PhotoStage, Telemetry } from '../../ports/telemetry.js';

const OPERATION = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Prometheus series of one process, in its own registry (served at /metrics). */
export class PrometheusTelemetry implements Telemetry {
  readonly registry = new Registry();
  private readonly graphql: Histogram<'operation' | 'outcome'>;
  private readonly http: Counter<'status'>;
  private readonly photos: Counter<'outcome'>;
  private readonly faceStages: Histogram<'stage'>;
  private readonly photoStages: Histogram<'stage'>;
  private readonly faceCalls: Counter<'api'>;
  private readonly faceCost: Counter;
  private readonly sockets: Gauge;

  constructor(options: {
    /** Queue depth and age, read when scraped. */
    queueStats: () => Promise<QueueStats>;
    /** Subscriptions open on this process's sockets, read when scraped. */
    subscriptions: () => number;
    usdPerCall: number;
  }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'findme_' });
    this.graphql = new Histogram({
      name: 'findme_graphql_operation_duration_seconds',
      help: 'GraphQL operations over HTTP, by root field (other when unknown) and outcome',
      labelNames: ['operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.http = new Counter({ name: 'findme_http_responses_total', help: 'HTTP responses by status code', labelNames: ['status'], registers });
    this.photos = new Counter({ name: 'findme_photos_processed_total', help: 'Photos that finished processing, by outcome', labelNames: ['outcome'], registers });
    this.faceStages = new Histogram({
      name: 'findme_face_engine_duration_seconds',
      help: 'Time in the face engine per stage (detect: photo faces, match: participants, selfie: validation and search)',
      labelNames: ['stage'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.photoStages = new Histogram({
      name: 'findme_photo_stage_seconds',
      help: 'Time a photo spent in each stage of processing (read, renditions and faces at the same time, database, matching; the local engine splits faces into decode, boxes and descriptors)',
      labelNames: ['stage'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.faceCalls = new Counter({ name: 'findme_face_engine_calls_total', help: 'Calls to the paid face service (Rekognition), by API', labelNames: ['api'], registers });
    this.faceCost = new Counter({ name: 'findme_face_engine_cost_usd_total', help: 'Estimated cost of those calls in USD (REKOGNITION_USD_PER_1000_CALLS)', registers });
    this.sockets = new Gauge({ name: 'findme_graphql_ws_connections', help: 'Open graphql-ws connections', registers });
    const usdPerCall = options.usdPerCall;
    this.faceCall = (api: string) => {
      this.faceCalls.inc({ api });
      this.faceCost.inc(usdPerCall);
    };
    new Gauge({
      name: 'findme_graphql_ws_subscriptions',
      help: 'Open subscriptions on graphql-ws connections',
      registers,
      collect() {
        this.set(options.subscriptions());
      },
    });
    let last: Promise<QueueStats> | undefined;
    // One queue query per scrape, shared by the gauges below.
    const stats = () => (last ??= options.queueStats().finally(() => setTimeout(() => (last = undefined), 1000).unref()));
    new Gauge({
      name: 'findme_queue_jobs',
      help: 'Photo jobs by state (waiting, active, failed)',
      labelNames: ['state'],
      registers,
      async collect() {
        const s = await stats();
        this.set({ state: 'waiting' }, s.waiting);
        this.set({ state: 'active' }, s.active);
        this.set({ state: 'failed' }, s.failed);
      },
    });
    new Gauge({
      name: 'findme_queue_oldest_waiting_seconds',
      help: 'Age of the oldest waiting photo job (0 when none waits)',
      registers,
      async collect() {
        this.set((await stats()).oldestWaitingSeconds ?? 0);
      },
    });
  }

  private readonly faceCall: (api: string) => void;

  graphqlOperation(operation: string, outcome: 'ok' | 'error', seconds: number): void {
    this.graphql.observe({ operation: OPERATION.test(operation) ? operation : 'other', outcome }, seconds);
  }

  httpResponse(status: number): void {
    this.http.inc({ status: String(status) });
  }

  photoFinished(outcome: 'done' | 'failed'): void {
    this.photos.inc({ outcome });
  }

  faceStage(stage: 'detect' | 'match' | 'selfie', seconds: number): void {
    this.faceStages.observe({ stage }, seconds);
  }

  photoStage(stage: PhotoStage, seconds: number): void {
    this.photoStages.observe({ stage }, seconds);
  }

  faceEngineCall(api: string): void {
    this.faceCall(api);
  }

  socketOpened(): void {
    this.sockets.inc();
  }

  socketClosed(): void {
    this.sockets.dec();
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
