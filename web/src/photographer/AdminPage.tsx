import { useQuery } from '@apollo/client/react';
import { useTranslation } from 'react-i18next';
import { graphql } from '../gql';
import { ErrorText, Loading } from '../ui/kit';

const AdminStatusDocument = graphql(`
  query AdminStatus {
    queueStats {
      driver
      waiting
      active
      failed
      oldestWaitingSeconds
      workers {
        id
        host
        pid
        concurrency
        alive
        lastSeenAt
      }
      photosByEvent {
        eventId
        eventName
        total
        pending
        uploaded
        processing
        done
        failed
      }
    }
    faceEngineUsage {
      provider
      storedFaces
      storageUsdPerMonth
      total {
        calls
        usd
      }
      byEvent {
        eventId
        eventName
        calls
        usd
      }
    }
    systemStatus {
      version
      environment
      host
      node
      postgres
      uptimeSeconds
      drivers {
        database
        faceEngine
        jobQueue
        mailer
        objectStore
      }
      migrations
    }
  }
`);

const usd = (n: number) => n.toLocaleString(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 4 });

/** The operator's view: queue, workers, photos by status, face-engine cost, deployment. Refreshed every 5 s. */
export default function AdminPage() {
  const { t } = useTranslation();
  const { data, loading, error } = useQuery(AdminStatusDocument, { pollInterval: 5_000, fetchPolicy: 'cache-and-network' });
  if (loading && !data) return <Loading />;
  if (error && !data) return <ErrorText error={error} />;
  if (!data) return null;
  const { queueStats: q, faceEngineUsage: usage, systemStatus: s } = data;
  return (
    <div className="stack">
      <h1>{t('admin.title')}</h1>
      {error && <ErrorText error={error} />}
      <section className="card" aria-labelledby="queue-h">
        <h2 id="queue-h">{t('admin.queue')}</h2>
        <dl className="facts">
          <dt>{t('admin.driver')}</dt>
          <dd>{q.driver}</dd>
          <dt>{t('admin.waiting')}</dt>
          <dd>{q.waiting}</dd>
          <dt>{t('admin.active')}</dt>
          <dd>{q.active}</dd>
          <dt>{t('admin.failed')}</dt>
          <dd>{q.failed}</dd>
          <dt>{t('admin.oldest')}</dt>
          <dd>{q.oldestWaitingSeconds === null || q.oldestWaitingSeconds === undefined ? '—' : `${Math.round(q.oldestWaitingSeconds)} s`}</dd>
        </dl>
        <h3>{t('admin.workers')}</h3>
        {q.workers.length === 0 ? (
          <p className="empty-inline">{t('admin.noWorkers')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('admin.host')}</th>
                  <th scope="col">PID</th>
                  <th scope="col">{t('admin.concurrency')}</th>
                  <th scope="col">{t('admin.alive')}</th>
                  <th scope="col">{t('admin.lastSeen')}</th>
                </tr>
              </thead>
              <tbody>
                {q.workers.map((w) => (
                  <tr key={w.id}>
                    <td>{w.host}</td>
                    <td>{w.pid}</td>
                    <td>{w.concurrency}</td>
                    <td>{w.alive ? t('admin.yes') : t('admin.no')}</td>
                    <td>{new Date(w.lastSeenAt).toLocaleTimeString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <h3>{t('admin.photosByEvent')}</h3>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('admin.event')}</th>
                <th scope="col">{t('status.DONE')}</th>
                <th scope="col">{t('status.PROCESSING')}</th>
                <th scope="col">{t('status.UPLOADED')}</th>
                <th scope="col">{t('status.FAILED')}</th>
                <th scope="col">{t('admin.total')}</th>
              </tr>
            </thead>
            <tbody>
              {q.photosByEvent.map((e) => (
                <tr key={e.eventId}>
                  <td>{e.eventName}</td>
                  <td>{e.done}</td>
                  <td>{e.processing}</td>
                  <td>{e.uploaded}</td>
                  <td>{e.failed}</td>
                  <td>{e.total}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="usage-h">
        <h2 id="usage-h">{t('admin.usage')}</h2>
        <dl className="facts">
          <dt>{t('admin.provider')}</dt>
          <dd>{usage.provider}</dd>
          <dt>{t('admin.calls')}</dt>
          <dd>{usage.total.calls}</dd>
          <dt>{t('admin.cost')}</dt>
          <dd>{usd(usage.total.usd)}</dd>
          <dt>{t('admin.storedFaces')}</dt>
          <dd>
            {usage.storedFaces} ({usd(usage.storageUsdPerMonth)} / {t('admin.month')})
          </dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="system-h">
        <h2 id="system-h">{t('admin.system')}</h2>
        <dl className="facts">
          <dt>{t('admin.version')}</dt>
          <dd>{s.version}</dd>
          <dt>{t('admin.environment')}</dt>
          <dd>{s.environment}</dd>
          <dt>{t('admin.host')}</dt>
          <dd>{s.host}</dd>
          <dt>Node</dt>
          <dd>{s.node}</dd>
          <dt>PostgreSQL</dt>
          <dd>{s.postgres}</dd>
          <dt>{t('admin.uptime')}</dt>
          <dd>{Math.round(s.uptimeSeconds / 60)} min</dd>
          <dt>{t('admin.drivers')}</dt>
          <dd>
            {s.drivers.database}, {s.drivers.objectStore}, {s.drivers.jobQueue}, {s.drivers.faceEngine}, {s.drivers.mailer}
          </dd>
          <dt>{t('admin.migrations')}</dt>
          <dd>{s.migrations.length}</dd>
        </dl>
      </section>
    </div>
  );
}
