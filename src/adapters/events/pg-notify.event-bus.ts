import pg from 'pg';
import type { Logger } from 'pino';
import type { BusMessages, BusTopic, EventBus } from '../../ports/event-bus.js';
import { LocalListeners } from './local-listeners.js';

const CHANNEL = 'findme_bus';

/**
 * PostgreSQL LISTEN/NOTIFY: every API and worker process connected to the same
 * database hears every message, including its own. One dedicated connection
 * listens (reconnecting with backoff); publishing uses a small pool.
 */
export class PgNotifyEventBus implements EventBus {
  private readonly listeners = new LocalListeners();
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private stopping = false;
  private reconnectDelayMs = 250;

  constructor(
    private readonly connectionString: string,
    private readonly logger: Logger,
  ) {
    this.pool = new pg.Pool({ connectionString, max: 2 });
    this.pool.on('error', (err) => this.logger.warn({ err }, 'event bus pool error'));
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.connect();
  }

  async publish<T extends BusTopic>(topic: T, message: BusMessages[T]): Promise<void> {
    await this.pool.query('select pg_notify($1, $2)', [CHANNEL, JSON.stringify({ topic, message })]);
  }

  subscribe<T extends BusTopic>(topic: T, listener: (message: BusMessages[T]) => void): () => void {
    return this.listeners.add(topic, listener);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
    await this.pool.end();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      try {
        const { topic, message } = JSON.parse(n.payload) as { topic: BusTopic; message: never };
        this.listeners.emit(topic, message);
      } catch (err) {
        this.logger.warn({ err }, 'unreadable event bus message');
      }
    });
    client.on('error', (err) => this.logger.warn({ err }, 'event bus connection error'));
    client.on('end', () => {
      if (this.stopping || this.listener !== client) return;
      this.listener = undefined;
      this.logger.warn({ retryInMs: this.reconnectDelayMs }, 'event bus connection lost; reconnecting');
      setTimeout(() => void this.reconnect(), this.reconnectDelayMs).unref();
    });
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.listener = client;
    this.reconnectDelayMs = 250;
  }

  private async reconnect(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.connect();
      this.logger.info('event bus reconnected');
    } catch (err) {
      this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 10_000);
      this.logger.warn({ err, retryInMs: this.reconnectDelayMs }, 'event bus reconnect failed');
      setTimeout(() => void this.reconnect(), this.reconnectDelayMs).unref();
    }
  }
}
