import { useQuery, useSubscription } from '@apollo/client/react';
import { editMyPhotos } from '../api/cache';
import { errorCode } from '../api/errors';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { graphql } from '../gql';
import type { GalleryPhotoFragment } from '../gql/graphql';
import { Empty, ErrorText, Loading, download, formatDate } from '../ui/kit';
import { Lightbox } from './Lightbox';

export const GalleryPhotoFragmentDoc = graphql(`
  fragment GalleryPhoto on Photo {
    id
    originalFilename
    thumbnailUrl
    displayUrl
    downloadUrl
    width
    height
    showInGeneral
    createdAt
    myMatch {
      similarity
    }
  }
`);

const GalleryEventDocument = graphql(`
  query GalleryEvent($eventId: ID!) {
    event(id: $eventId) {
      id
      name
      date
      code
      photographer {
        displayName
      }
      myParticipation {
        id
        status
        faceMatching
        newPhotoEmails
      }
    }
    mySelfie {
      id
      status
    }
  }
`);

export const MyPhotosDocument = graphql(`
  query MyPhotos($eventId: ID!, $after: String) {
    myPhotos(eventId: $eventId, first: 30, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        cursor
        node {
          ...GalleryPhoto
        }
      }
    }
  }
`);

const MyNewPhotosDocument = graphql(`
  subscription MyNewPhotos($eventId: ID!) {
    myNewPhotos(eventId: $eventId) {
      ...GalleryPhoto
    }
  }
`);

const ArchiveDocument = graphql(`
  query MyPhotosArchive($eventId: ID!) {
    myPhotosArchive(eventId: $eventId) {
      url
      photoCount
    }
  }
`);

type Tab = 'mine' | 'everyone';

export function GalleryPage() {
  const { eventId = '' } = useParams();
  const [params] = useSearchParams();
  const { t, i18n } = useTranslation();
  const meta = useQuery(GalleryEventDocument, { variables: { eventId }, fetchPolicy: 'cache-and-network' });
  const photos = useQuery(MyPhotosDocument, { variables: { eventId }, fetchPolicy: 'cache-and-network', notifyOnNetworkStatusChange: true });
  const [tab, setTab] = useState<Tab>('mine');
  const [open, setOpen] = useState<number | null>(null);
  // What the search that just ended found stays on the page; new photos get a passing notice.
  const found = params.get('found');
  const [notice, setNotice] = useState<string | null>(null);
  const [archiveError, setArchiveError] = useState<unknown>(null);
  const [zipping, setZipping] = useState(false);
  const sentinel = useRef<HTMLDivElement>(null);

  useSubscription(MyNewPhotosDocument, {
    variables: { eventId },
    onData: ({ client, data }) => {
      const photo = data.data?.myNewPhotos;
      if (!photo) return;
      const ref = client.cache.writeFragment({ fragment: GalleryPhotoFragmentDoc, fragmentName: 'GalleryPhoto', data: photo });
      if (!ref) return;
      let added = false;
      editMyPhotos(client.cache, eventId, (existing) => {
        // A photo the gallery already shows (the search that opened it) is not news.
        if (existing.edges!.some((edge) => edge.node.__ref === ref.__ref)) return existing;
        added = true;
        return { ...existing, totalCount: (existing.totalCount ?? 0) + 1, edges: [{ __typename: 'PhotoEdge', cursor: '', node: ref }, ...existing.edges!] };
      });
      if (added) setNotice(t('gallery.newPhoto'));
    },
    // The server ends it when the guest loses access (refused, left, the event deleted): the page reads again and says so.
    onComplete: () => void photos.refetch().catch(() => undefined),
  });

  const connection = photos.data?.myPhotos;
  const all = useMemo(() => connection?.edges.map((e) => e.node) ?? [], [connection]);
  const mine = all.filter((p) => p.myMatch);
  const general = all.filter((p) => p.showInGeneral);
  const shown: GalleryPhotoFragment[] = tab === 'mine' ? mine : general;
  const more = connection?.pageInfo.hasNextPage ?? false;
  const loadMore = () => {
    if (!more || photos.loading || !connection) return;
    void photos.fetchMore({ variables: { after: connection.pageInfo.endCursor } });
  };

  // Infinite scroll: the next page loads as the end of the grid comes into view.
  useEffect(() => {
    const node = sentinel.current;
    if (!node || !more) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadMore(), { rootMargin: '600px' });
    observer.observe(node);
    return () => observer.disconnect();
  });

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 8000);
    return () => clearTimeout(timer);
  }, [notice]);

  if (meta.loading && !meta.data) return <Loading />;
  // A deleted event, or one the guest left, is a page of its own, not an error line.
  if (meta.error && errorCode(meta.error) !== 'NOT_FOUND') return <ErrorText error={meta.error} />;
  const event = meta.data?.event;
  if (!event) {
    return (
      <Empty title={t('gallery.notFound')}>
        <p>{t('gallery.notFoundBody')}</p>
        <Link to="/">{t('gallery.toHome')}</Link>
      </Empty>
    );
  }
  const participation = event.myParticipation;
  const selfie = meta.data?.mySelfie;

  const zip = async () => {
    setArchiveError(null);
    setZipping(true);
    try {
      const { data } = await photos.client.query({ query: ArchiveDocument, variables: { eventId }, fetchPolicy: 'network-only' });
      download(data!.myPhotosArchive.url);
    } catch (err) {
      setArchiveError(err);
    } finally {
      setZipping(false);
    }
  };

  let emptyState: React.ReactNode = null;
  if (!participation) emptyState = <Empty title={t('gallery.notMember')}><Link to={`/e/${event.code}`}>{t('gallery.joinAgain')}</Link></Empty>;
  else if (participation.status === 'PENDING') emptyState = <Empty title={t('gallery.pending')}><p>{t('gallery.pendingBody')}</p></Empty>;
  else if (participation.status === 'REFUSED') emptyState = <Empty title={t('gallery.refused')} />;
  else if (!participation.faceMatching && shown.length === 0) emptyState = <Empty title={t('gallery.matchingOff')}><Link to={`/e/${event.code}`}>{t('gallery.joinAgain')}</Link></Empty>;
  else if (selfie?.status !== 'ACTIVE' && tab === 'mine')
    emptyState = (
      <Empty title={t('gallery.noSelfie')}>
        <p>{t('gallery.noSelfieBody')}</p>
        <Link className="button" to={`/selfie?event=${eventId}`}>{t('gallery.takeSelfie')}</Link>
      </Empty>
    );

  return (
    <div className="stack">
      <header className="page-head">
        <div>
          <h1>{event.name}</h1>
          <p className="muted">
            {formatDate(event.date, i18n.language)} · {event.photographer.displayName}
          </p>
        </div>
        <div className="row">
          <button type="button" className="secondary" onClick={() => void zip()} disabled={zipping || all.length === 0}>
            {zipping ? t('gallery.zipping') : t('gallery.zip')}
          </button>
          <Link className="button secondary" to={`/my/${eventId}/privacy`}>
            {t('gallery.privacy')}
          </Link>
        </div>
      </header>
      <ErrorText error={archiveError} />
      {found !== null && <p className="found">{t('gallery.found', { count: Number(found) })}</p>}
      <div className="notice" role="status" aria-live="polite">
        {notice}
      </div>
      {general.length > 0 && (
        <div className="tabs" role="tablist" aria-label={t('gallery.tabs')}>
          {(['mine', 'everyone'] as const).map((name) => (
            <button key={name} type="button" role="tab" aria-selected={tab === name} aria-controls="gallery-grid" id={`tab-${name}`} onClick={() => setTab(name)}>
              {/* Counts of what is loaded: "30+" while more pages are to come. */}
              {t(name === 'mine' ? 'gallery.mine' : 'gallery.everyone', { count: name === 'mine' ? mine.length : general.length, more: more ? '+' : '' })}
            </button>
          ))}
        </div>
      )}
      {photos.error && <ErrorText error={photos.error} />}
      {emptyState ??
        (photos.loading && !connection ? (
          <Loading label={t('gallery.loading')} />
        ) : shown.length === 0 ? (
          <Empty title={tab === 'mine' ? t('gallery.none') : t('gallery.noneGeneral')}>
            <p>{t('gallery.noneBody')}</p>
          </Empty>
        ) : (
          <div id="gallery-grid" role={general.length > 0 ? 'tabpanel' : undefined} aria-labelledby={general.length > 0 ? `tab-${tab}` : undefined}>
            <ul className="grid">
              {shown.map((photo, index) => (
                <li key={photo.id}>
                  <button type="button" className="thumb" onClick={() => setOpen(index)} aria-label={t('gallery.open', { name: photo.originalFilename })}>
                    {photo.thumbnailUrl ? <img src={photo.thumbnailUrl} alt="" loading="lazy" width={photo.width ?? undefined} height={photo.height ?? undefined} /> : <span className="thumb-missing" />}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ))}
      {more && !emptyState && (
        <div ref={sentinel} className="more">
          <button type="button" className="secondary" onClick={loadMore} disabled={photos.loading}>
            {photos.loading ? t('common.loading') : t('gallery.more')}
          </button>
        </div>
      )}
      {open !== null && shown[open] && <Lightbox photos={shown} index={open} onIndex={setOpen} onClose={() => setOpen(null)} eventId={eventId} />}
    </div>
  );
}
