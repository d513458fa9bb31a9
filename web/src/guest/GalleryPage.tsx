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
    faces {
      index
      personId
      box {
        left
        top
        width
        height
      }
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
    myPeople {
      id
      name
      isMe
      selfies {
        id
        status
      }
    }
  }
`);

/** The photos of people the guest added, or of several of them together. */
export const PeoplePhotosDocument = graphql(`
  query PeoplePhotos($eventId: ID!, $personIds: [ID!]!, $together: Boolean, $after: String) {
    myPhotos(eventId: $eventId, personIds: $personIds, together: $together, first: 30, after: $after) {
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
  query MyPhotosArchive($eventId: ID!, $personIds: [ID!]) {
    myPhotosArchive(eventId: $eventId, personIds: $personIds) {
      url
      photoCount
    }
  }
`);

/** The guest's own photos, those shown to everyone, one added person's (`person:<id>`), or everyone's together. */
type Tab = 'mine' | 'everyone' | 'together' | `person:${string}`;

export function GalleryPage() {
  const { eventId = '' } = useParams();
  const [params] = useSearchParams();
  const { t, i18n } = useTranslation();
  const meta = useQuery(GalleryEventDocument, { variables: { eventId }, fetchPolicy: 'cache-and-network' });
  const photos = useQuery(MyPhotosDocument, { variables: { eventId }, fetchPolicy: 'cache-and-network', notifyOnNetworkStatusChange: true });
  const [tab, setTab] = useState<Tab>(params.get('person') ? `person:${params.get('person')}` : 'mine');
  const people = meta.data?.myPeople ?? [];
  const others = people.filter((p) => !p.isMe);
  const tabPeople = tab === 'together' ? people.map((p) => p.id) : tab.startsWith('person:') ? [tab.slice('person:'.length)] : [];
  const peoplePhotos = useQuery(PeoplePhotosDocument, {
    variables: { eventId, personIds: tabPeople, together: tab === 'together' },
    skip: tabPeople.length === 0,
    fetchPolicy: 'cache-and-network',
    notifyOnNetworkStatusChange: true,
  });
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
      // A person's tab or photos together: read again (the photo may be of them).
      if (tabPeople.length > 0) void peoplePhotos.refetch().catch(() => undefined);
    },
    // The server ends it when the guest loses access (refused, left, the event deleted): the page reads again and says so.
    onComplete: () => void photos.refetch().catch(() => undefined),
  });

  const byPeople = tabPeople.length > 0;
  const connection = photos.data?.myPhotos;
  const peopleConnection = byPeople ? peoplePhotos.data?.myPhotos : undefined;
  const all = useMemo(() => connection?.edges.map((e) => e.node) ?? [], [connection]);
  const theirs = useMemo(() => peopleConnection?.edges.map((e) => e.node) ?? [], [peopleConnection]);
  const mine = all.filter((p) => p.myMatch);
  const general = all.filter((p) => p.showInGeneral);
  const shown: GalleryPhotoFragment[] = byPeople ? theirs : tab === 'mine' ? mine : general;
  const current = byPeople ? peoplePhotos : photos;
  const currentConnection = byPeople ? peopleConnection : connection;
  const more = currentConnection?.pageInfo.hasNextPage ?? false;
  const loadMore = () => {
    if (!more || current.loading || !currentConnection) return;
    void current.fetchMore({ variables: { after: currentConnection.pageInfo.endCursor } });
  };
  const tabPerson = tab.startsWith('person:') ? others.find((p) => `person:${p.id}` === tab) : undefined;
  // The search that just ended was for someone the guest added: its summary names them.
  const foundPerson = others.find((p) => p.id === params.get('person'));
  const tabs: { id: Tab; label: string }[] = [
    { id: 'mine', label: t('gallery.mine', { count: mine.length, more: connection?.pageInfo.hasNextPage ? '+' : '' }) },
    ...others.map((p) => ({ id: `person:${p.id}` as Tab, label: p.name })),
    ...(others.length > 0 ? [{ id: 'together' as Tab, label: t('gallery.together') }] : []),
    ...(general.length > 0 ? [{ id: 'everyone' as Tab, label: t('gallery.everyone', { count: general.length, more: connection?.pageInfo.hasNextPage ? '+' : '' }) }] : []),
  ];

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
      const { data } = await photos.client.query({ query: ArchiveDocument, variables: { eventId, personIds: byPeople ? tabPeople : null }, fetchPolicy: 'network-only' });
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
  else if (tabPerson && !tabPerson.selfies.some((s) => s.status === 'ACTIVE'))
    emptyState = (
      <Empty title={t('gallery.noSelfieOf', { name: tabPerson.name })}>
        <Link className="button" to={`/selfie?event=${eventId}&person=${tabPerson.id}`}>{t('people.addSelfieOf', { name: tabPerson.name })}</Link>
      </Empty>
    );
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
      {found !== null && (
        <p className="found">{foundPerson ? t('gallery.foundOf', { count: Number(found), name: foundPerson.name }) : t('gallery.found', { count: Number(found) })}</p>
      )}
      {selfie?.status === 'ACTIVE' && participation?.status === 'APPROVED' && (
        <p className="row summary-links">
          <Link to={`/selfie?event=${eventId}&add=1`}>{t('gallery.addSelfie')}</Link>
          <Link to={`/my/${eventId}/people`}>{others.length > 0 ? t('gallery.people', { count: others.length }) : t('gallery.addPerson')}</Link>
        </p>
      )}
      <div className="notice" role="status" aria-live="polite">
        {notice}
      </div>
      {tabs.length > 1 && (
        <div className="tabs" role="tablist" aria-label={t('gallery.tabs')}>
          {tabs.map(({ id, label }) => (
            <button key={id} type="button" role="tab" aria-selected={tab === id} aria-controls="gallery-grid" id={`tab-${id}`} onClick={() => setTab(id)}>
              {/* Counts of what is loaded: "30+" while more pages are to come. */}
              {label}
            </button>
          ))}
        </div>
      )}
      {current.error && <ErrorText error={current.error} />}
      {emptyState ??
        (current.loading && !currentConnection ? (
          <Loading label={t('gallery.loading')} />
        ) : shown.length === 0 ? (
          <Empty title={tabPerson ? t('gallery.noneOf', { name: tabPerson.name }) : tab === 'together' ? t('gallery.noneTogether') : tab === 'mine' ? t('gallery.none') : t('gallery.noneGeneral')}>
            <p>{t('gallery.noneBody')}</p>
          </Empty>
        ) : (
          <div id="gallery-grid" role={tabs.length > 1 ? 'tabpanel' : undefined} aria-labelledby={tabs.length > 1 ? `tab-${tab}` : undefined}>
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
          <button type="button" className="secondary" onClick={loadMore} disabled={current.loading}>
            {current.loading ? t('common.loading') : t('gallery.more')}
          </button>
        </div>
      )}
      {open !== null && shown[open] && (
        <Lightbox
          photos={shown}
          index={open}
          onIndex={setOpen}
          onClose={() => setOpen(null)}
          eventId={eventId}
          people={people}
          person={tabPerson ?? null}
          onChanged={() => void Promise.all([photos.refetch(), byPeople ? peoplePhotos.refetch() : null]).catch(() => undefined)}
        />
      )}
    </div>
  );
}
