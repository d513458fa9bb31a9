import { useApolloClient, useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { graphql } from '../gql';
import type { PhotoStatus } from '../gql/graphql';
import { ConfirmButton, Empty, ErrorText, Loading, MoreButton, Progress, download, formatDate } from '../ui/kit';
import { QrCode } from '../ui/QrCode';
import { joinUrl } from './EventsPage';
import { Participants } from './Participants';
import { ReachableAt } from './ReachableAt';
import { Settings } from './Settings';
import { Uploader } from './Uploader';
import { WallLink } from './WallLink';
import { DriveImports } from './DriveImports';
import { Coverage } from './Coverage';

const EventDocument = graphql(`
  query PhotographerEvent($id: ID!) {
    event(id: $id) {
      id
      name
      date
      code
      faceDataExpiresOn
      wallUrl
      settings {
        ...EventSettingsFields
      }
    }
  }
`);

const EventPhotosDocument = graphql(`
  query EventPhotos($eventId: ID!, $status: PhotoStatus, $after: String) {
    photos(eventId: $eventId, status: $status, first: 60, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        node {
          ...ManagedPhoto
        }
      }
    }
  }
`);

graphql(`
  fragment ManagedPhoto on Photo {
    id
    originalFilename
    status
    thumbnailUrl
    faceCount
    errorCode
    errorMessage
    showInGeneral
  }
`);

const ProgressDocument = graphql(`
  subscription EventProgress($eventId: ID!) {
    eventProgress(eventId: $eventId) {
      eventId
      total
      pending
      uploaded
      processing
      done
      failed
      ahead
      etaSeconds
    }
  }
`);

/** "about 2 min" from seconds: whole minutes past a minute, "under a minute" below. */
function roughly(seconds: number, t: (key: string, options?: Record<string, unknown>) => string): string {
  return seconds < 60 ? t('progress.underMinute') : t('progress.minutes', { count: Math.round(seconds / 60) });
}

const StatusChangedDocument = graphql(`
  subscription PhotoStatusChanged($eventId: ID!) {
    photoStatusChanged(eventId: $eventId) {
      status
      photo {
        ...ManagedPhoto
      }
    }
  }
`);

const RetryDocument = graphql(`
  mutation RetryPhoto($id: ID!) {
    retryPhoto(id: $id) {
      id
      status
      errorCode
      errorMessage
    }
  }
`);

const VisibilityDocument = graphql(`
  mutation SetPhotosVisibility($ids: [ID!]!, $show: Boolean!) {
    setPhotosVisibility(ids: $ids, showInGeneral: $show) {
      id
      showInGeneral
    }
  }
`);

const EventArchiveDocument = graphql(`
  query EventArchive($eventId: ID!) {
    eventArchive(eventId: $eventId) {
      url
      photoCount
    }
  }
`);

const DeleteEventDocument = graphql(`
  mutation DeleteEvent($id: ID!) {
    deleteEvent(id: $id)
  }
`);

const STATUSES: PhotoStatus[] = ['PENDING', 'UPLOADED', 'PROCESSING', 'DONE', 'FAILED'];

/** The live grid: every status change arrives over the socket and updates the photo in place. */
function PhotoGrid({ eventId, refetchSignal }: { eventId: string; refetchSignal: number }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<PhotoStatus | ''>('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [failure, setFailure] = useState<unknown>(null);
  const { data, loading, error, fetchMore, refetch } = useQuery(EventPhotosDocument, { variables: { eventId, status: status || null }, fetchPolicy: 'cache-and-network' });
  const [retry] = useMutation(RetryDocument);
  const [visibility, { loading: saving }] = useMutation(VisibilityDocument);
  const known = useRef(new Set<string>());
  const pending = useRef<ReturnType<typeof setTimeout>>(undefined);

  const photos = data?.photos.edges.map((e) => e.node) ?? [];
  known.current = new Set(photos.map((p) => p.id));
  const refresh = () => {
    clearTimeout(pending.current);
    pending.current = setTimeout(() => void refetch(), 500);
  };
  useEffect(() => {
    if (refetchSignal > 0) refresh();
  }, [refetchSignal]);
  useEffect(() => () => clearTimeout(pending.current), []);

  useSubscription(StatusChangedDocument, {
    variables: { eventId },
    // A photo this page has not listed yet (another device's upload, or one leaving the filter): read the page again.
    // So too when a photo is finished: a read of the page already on its way when the photo finished may answer
    // after this message with the photo as it was, and the page would keep showing it queued.
    onData: ({ data: change }) => {
      const photo = change.data?.photoStatusChanged.photo;
      const finished = photo?.status === 'DONE' || photo?.status === 'FAILED';
      if (photo && (!known.current.has(photo.id) || (status && photo.status !== status) || finished)) refresh();
    },
  });

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const setShown = async (show: boolean) => {
    setFailure(null);
    try {
      await visibility({ variables: { ids: [...selected], show } });
      setSelected(new Set());
    } catch (err) {
      setFailure(err);
    }
  };

  return (
    <section className="card" aria-labelledby="photos-h">
      <div className="page-head">
        <h2 id="photos-h">{t('photos.title', { count: data?.photos.totalCount ?? 0 })}</h2>
        <label className="inline">
          {t('photos.filter')}
          <select value={status} onChange={(e) => setStatus(e.target.value as PhotoStatus | '')}>
            <option value="">{t('photos.all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row toolbar" role="toolbar" aria-label={t('photos.bulk')}>
        <button type="button" className="secondary" onClick={() => setSelected(new Set(photos.filter((p) => p.status === 'DONE').map((p) => p.id)))}>
          {t('photos.selectAll')}
        </button>
        <button type="button" className="secondary" disabled={selected.size === 0 || saving} onClick={() => void setShown(true)}>
          {t('photos.show', { count: selected.size })}
        </button>
        <button type="button" className="secondary" disabled={selected.size === 0 || saving} onClick={() => void setShown(false)}>
          {t('photos.hide', { count: selected.size })}
        </button>
      </div>
      <ErrorText error={failure} />
      {error && <ErrorText error={error} />}
      {loading && !data ? (
        <Loading />
      ) : photos.length === 0 ? (
        <p className="empty-inline">{status ? t('photos.noneWithStatus', { status: t(`status.${status}`) }) : t('photos.none')}</p>
      ) : (
        <ul className="grid manage-grid">
          {photos.map((photo) => (
            <li key={photo.id} className={`tile status-${photo.status}`} data-status={photo.status}>
              {photo.thumbnailUrl ? <img src={photo.thumbnailUrl} alt="" loading="lazy" /> : <span className="thumb-missing" aria-hidden="true" />}
              <div className="tile-body">
                <label className="check small">
                  <input type="checkbox" checked={selected.has(photo.id)} disabled={photo.status !== 'DONE'} onChange={() => toggle(photo.id)} />
                  <span className="name">{photo.originalFilename}</span>
                </label>
                <span className="badge">{t(`status.${photo.status}`)}</span>
                {photo.status === 'DONE' && <span className="muted">{t('photos.faces', { count: photo.faceCount ?? 0 })}</span>}
                {photo.showInGeneral && <span className="badge shown">{t('photos.shown')}</span>}
                {photo.status === 'FAILED' && (
                  <>
                    <span className="error">{photo.errorMessage ?? t('photos.failed')}</span>
                    <button type="button" className="secondary" onClick={() => void retry({ variables: { id: photo.id } }).catch(setFailure)}>
                      {t('photos.retry', { name: photo.originalFilename })}
                    </button>
                  </>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <MoreButton pageInfo={data?.photos.pageInfo} fetchMore={fetchMore} />
    </section>
  );
}

function LiveProgress({ eventId }: { eventId: string }) {
  const { t } = useTranslation();
  const { data } = useSubscription(ProgressDocument, { variables: { eventId } });
  const p = data?.eventProgress;
  if (!p) return <Loading label={t('progress.connecting')} />;
  const busy = p.pending + p.uploaded + p.processing;
  return (
    <section className="card" aria-labelledby="progress-h">
      <h2 id="progress-h">{t('progress.title')}</h2>
      <Progress label={t('progress.done', { done: p.done + p.failed, total: p.total })} value={p.done + p.failed} max={p.total} />
      <p className="counts" data-testid="counts">
        {STATUSES.map((s) => (
          <span key={s} className={`badge status-${s}`}>
            {t(`status.${s}`)}: {p[s.toLowerCase() as 'pending']}
          </span>
        ))}
      </p>
      <p className="muted" role="status">
        {p.total === 0 ? t('progress.empty') : busy > 0 ? t('progress.busy', { count: busy }) : p.failed > 0 ? t('progress.someFailed', { count: p.failed }) : t('progress.allDone')}
        {p.ahead > 0 && ` ${t('progress.ahead', { count: p.ahead })}${p.etaSeconds === null || p.etaSeconds === undefined ? '' : `, ${roughly(p.etaSeconds, t)}`}.`}
      </p>
      <Coverage eventId={eventId} done={p.done} />
    </section>
  );
}

/** One event for its photographer: upload, live processing, guests, settings. */
export default function EventPage() {
  const { eventId = '' } = useParams();
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const apollo = useApolloClient();
  const { data, loading, error } = useQuery(EventDocument, { variables: { id: eventId } });
  const [queued, setQueued] = useState(0);
  const [failure, setFailure] = useState<{ action: string; error: unknown } | null>(null);
  const [zipping, setZipping] = useState(false);
  const [remove, { loading: deleting }] = useMutation(DeleteEventDocument);

  if (loading) return <Loading />;
  if (error) return <ErrorText error={error} />;
  if (!data?.event) return <Empty title={t('errors.NOT_FOUND')} />;
  const event = data.event;

  const zip = async () => {
    setFailure(null);
    setZipping(true);
    try {
      const { data: archive } = await apollo.query({ query: EventArchiveDocument, variables: { eventId }, fetchPolicy: 'network-only' });
      download(archive!.eventArchive.url);
    } catch (err) {
      setFailure({ action: 'zip', error: err });
    } finally {
      setZipping(false);
    }
  };

  return (
    <div className="stack">
      <header className="page-head event-head">
        <div>
          <p>
            <Link to="/events">← {t('events.title')}</Link>
          </p>
          <h1>{event.name}</h1>
          <p className="muted">
            {formatDate(event.date, i18n.language)} · {t('events.codeIs')} <code>{event.code}</code>
          </p>
          <p>
            <a href={joinUrl(event.code)}>{joinUrl(event.code)}</a> · <Link to={`/events/${eventId}/card`}>{t('events.card')}</Link>
          </p>
          <ReachableAt path={`/events/${eventId}`} />
        </div>
        <QrCode value={joinUrl(event.code)} size={120} label={t('events.qr', { name: event.name })} />
      </header>
      <LiveProgress eventId={eventId} />
      <Uploader eventId={eventId} onQueued={() => setQueued((n) => n + 1)} />
      <DriveImports eventId={eventId} />
      <PhotoGrid eventId={eventId} refetchSignal={queued} />
      {event.wallUrl && event.settings && <WallLink eventId={eventId} url={event.wallUrl} publicGallery={event.settings.publicGallery} />}
      <Participants eventId={eventId} />
      {event.settings && <Settings event={{ ...event, settings: event.settings }} />}
      <section className="card" aria-labelledby="export-h">
        <h2 id="export-h">{t('event.exportTitle')}</h2>
        <p>{t('event.zipExplain')}</p>
        <button type="button" className="secondary" onClick={() => void zip()} disabled={zipping}>
          {zipping ? t('gallery.zipping') : t('event.zip')}
        </button>
        {failure?.action === 'zip' && <ErrorText error={failure.error} />}
        <h2>{t('event.deleteTitle')}</h2>
        <ConfirmButton
          label={t('event.delete')}
          confirmLabel={t('event.deleteConfirm')}
          warning={t('event.deleteWarning')}
          busy={deleting}
          onConfirm={async () => {
            try {
              await remove({ variables: { id: eventId } });
              apollo.cache.evict({ id: apollo.cache.identify({ __typename: 'Event', id: eventId }) });
              apollo.cache.evict({ fieldName: 'myEvents' });
              void navigate('/events');
            } catch (err) {
              setFailure({ action: 'delete', error: err });
            }
          }}
        />
        {failure?.action === 'delete' && <ErrorText error={failure.error} />}
      </section>
    </div>
  );
}
