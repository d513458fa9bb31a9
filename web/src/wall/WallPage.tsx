import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { useApolloClient } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams, useSearchParams } from 'react-router';
import { onReconnected } from '../api/client';
import { graphql } from '../gql';
import type { WallScreenPhotoFragment } from '../gql/graphql';
import { QrCode } from '../ui/QrCode';
import { Slideshow, type WallPhoto } from './slideshow';

const WallScreenDocument = graphql(`
  query WallScreen($token: String!) {
    wall(token: $token) {
      eventName
      joinUrl
    }
    wallPhotos(token: $token, first: 100) {
      edges {
        node {
          ...WallScreenPhoto
        }
      }
    }
  }
`);

graphql(`
  fragment WallScreenPhoto on Photo {
    id
    displayUrl
  }
`);

const WallScreenPhotoAddedDocument = graphql(`
  subscription WallScreenPhotoAdded($token: String!) {
    wallPhotoAdded(token: $token) {
      ...WallScreenPhoto
    }
  }
`);

/** The list is read again this often: hidden photos leave, links stay fresh, and what a drop missed arrives. */
const REFRESH_MS = 5_000;
/** A wall that was turned off (or whose link was replaced) looks again this often, in case it is back on. */
const ENDED_RETRY_MS = 30_000;

function usable(node: WallScreenPhotoFragment): WallPhoto | null {
  return node.displayUrl ? { id: node.id, url: node.displayUrl } : null;
}

type Phase = 'loading' | 'showing' | 'ended' | 'unreachable';

/**
 * The venue's screen: a full-screen slideshow of the photos shown to
 * everyone, newest first, each new one on screen as it arrives. It runs an
 * evening with nobody at it: no sign-in, no cursor, no controls, reconnects
 * by itself, and holds a bounded number of photos however many arrive.
 */
export default function WallPage() {
  const { token = '' } = useParams();
  const [search] = useSearchParams();
  const showQr = search.get('qr') !== '0';
  const { t } = useTranslation();
  const apollo = useApolloClient();
  const [phase, setPhase] = useState<Phase>('loading');
  const [info, setInfo] = useState<{ eventName: string; joinUrl: string } | null>(null);
  const [current, setCurrent] = useState<WallPhoto | null>(null);
  const [online, setOnline] = useState(navigator.onLine);
  const [held, setHeld] = useState(0);

  useEffect(() => {
    const slides = new Slideshow((photo, count) => {
      setCurrent(photo);
      setHeld(count);
    });
    let stopped = false;
    let subscription: { unsubscribe(): void } | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;

    const subscribe = () => {
      if (subscription) return;
      subscription = apollo.subscribe({ query: WallScreenPhotoAddedDocument, variables: { token }, fetchPolicy: 'no-cache' }).subscribe({
        next: (result) => {
          const photo = result.data ? usable(result.data.wallPhotoAdded) : null;
          if (photo) slides.arrive(photo);
          else if (result.error) ended();
        },
        error: () => ended(),
        complete: () => ended(),
      });
    };
    // The server ended the stream (link replaced, wall off) or it failed: read again to know which.
    const ended = () => {
      subscription?.unsubscribe();
      subscription = null;
      if (!stopped) void refresh();
    };
    const refresh = async () => {
      clearTimeout(retry);
      const started = Date.now();
      try {
        const { data } = await apollo.query({ query: WallScreenDocument, variables: { token }, fetchPolicy: 'no-cache' });
        if (stopped || !data) return;
        setInfo(data.wall);
        slides.replace(
          data.wallPhotos.edges.map((e) => usable(e.node)).filter((p): p is WallPhoto => p !== null),
          started,
        );
        setPhase('showing');
        subscribe();
      } catch (err) {
        if (stopped) return;
        const notFound = CombinedGraphQLErrors.is(err) && err.errors.some((e) => e.extensions?.['code'] === 'NOT_FOUND');
        if (notFound) {
          subscription?.unsubscribe();
          subscription = null;
          slides.replace([], Date.now());
          setPhase('ended');
          retry = setTimeout(() => void refresh(), ENDED_RETRY_MS);
        } else {
          // Unreachable for now: what is on screen stays; the next refresh or the socket's return brings the rest.
          setPhase((p) => (p === 'loading' ? 'unreachable' : p));
          retry = setTimeout(() => void refresh(), 5_000);
        }
      }
    };

    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    const forget = onReconnected(() => void refresh());
    const goneOnline = () => {
      setOnline(true);
      void refresh();
    };
    const goneOffline = () => setOnline(false);
    window.addEventListener('online', goneOnline);
    window.addEventListener('offline', goneOffline);
    return () => {
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
      forget();
      window.removeEventListener('online', goneOnline);
      window.removeEventListener('offline', goneOffline);
      subscription?.unsubscribe();
      slides.stop();
    };
  }, [apollo, token]);

  // A screen left on all evening: keep it awake where the browser allows it (secure contexts).
  useEffect(() => {
    let lock: { release(): Promise<void> } | null = null;
    const wake = () => {
      const wakeLock = (navigator as Navigator & { wakeLock?: { request(kind: 'screen'): Promise<{ release(): Promise<void> }> } }).wakeLock;
      if (document.visibilityState === 'visible' && wakeLock) void wakeLock.request('screen').then((l) => (lock = l), () => undefined);
    };
    wake();
    document.addEventListener('visibilitychange', wake);
    return () => {
      document.removeEventListener('visibilitychange', wake);
      void lock?.release().catch(() => undefined);
    };
  }, []);

  const fullScreen = () => {
    if (!document.fullscreenElement) void document.documentElement.requestFullscreen?.().catch(() => undefined);
  };

  const name = info?.eventName ?? '';
  return (
    <main className="wall" onDoubleClick={fullScreen} data-photos={held} aria-label={t('wall.label', { name })}>
      <h1 className="visually-hidden">{name ? t('wall.label', { name }) : t('wall.title')}</h1>
      {current ? (
        <img key={current.id} className="wall-photo" src={current.url} alt={t('wall.photoAlt', { name })} data-photo-id={current.id} />
      ) : (
        <div className="wall-empty">
          {phase === 'loading' && <p>{t('wall.loading')}</p>}
          {phase === 'unreachable' && <p>{t('wall.unreachable')}</p>}
          {phase === 'ended' && (
            <>
              <p className="wall-big">{t('wall.endedTitle')}</p>
              <p>{t('wall.endedBody')}</p>
            </>
          )}
          {phase === 'showing' && (
            <>
              <p className="wall-big">{name}</p>
              <p>{t('wall.empty')}</p>
            </>
          )}
        </div>
      )}
      {showQr && info && phase === 'showing' && (
        <aside className="wall-qr" aria-label={t('wall.qrTitle')}>
          <QrCode value={info.joinUrl} size={140} label={t('wall.qrLabel', { name })} />
          <p>{t('wall.qrTitle')}</p>
        </aside>
      )}
      <p className="wall-status" role="status">
        {online ? '' : t('wall.reconnecting')}
      </p>
    </main>
  );
}
