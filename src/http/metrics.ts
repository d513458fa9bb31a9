import http from 'node:http';
import type { Logger } from 'pino';

/** What /metrics serves (Prometheus text) and who may read it. */
export interface MetricsEndpoint {
  render: () => Promise<{ contentType: string; body: string }>;
  /** When set, `Authorization: Bearer <token>` is required. */
  token: string | undefined;
}

/** The answer to GET /metrics, for the API's Express app and the metrics port alike. */
export async function answerMetrics(endpoint: MetricsEndpoint, authorization: string | undefined): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  if (endpoint.token && authorization !== `Bearer ${endpoint.token}`) {
    return {
      status: 401,
      headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
      body: JSON.stringify({ error: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <METRICS_TOKEN>.' }),
    };
  }
  const metrics = await endpoint.render();
  return { status: 200, headers: { 'content-type': metrics.contentType }, body: metrics.body };
}

/** /metrics alone on a port of its own (METRICS_PORT), for `findme serve` and `findme worker`. */
export async function startMetricsServer(endpoint: MetricsEndpoint, port: number, host: string, logger: Logger): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics' || req.method !== 'GET') return void res.writeHead(404).end();
    answerMetrics(endpoint, req.headers.authorization).then(
      (answer) => res.writeHead(answer.status, answer.headers).end(answer.body),
      (err: unknown) => {
        logger.error({ err }, 'metrics failed');
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
