import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { graphql } from '../gql';
import { ErrorText } from '../ui/kit';

const CoverageDocument = graphql(`
  query EventCoverage($eventId: ID!) {
    eventCoverage(eventId: $eventId) {
      faces
      matchedFaces
      matchedShare
      photos
      photosWithoutGuests
    }
    photos(eventId: $eventId, withoutGuests: true, first: 24) {
      totalCount
      edges {
        node {
          id
          originalFilename
          thumbnailUrl
          showInGeneral
        }
      }
    }
  }
`);

const ShowDocument = graphql(`
  mutation ShowUnmatched($ids: [ID!]!) {
    setPhotosVisibility(ids: $ids, showInGeneral: true) {
      id
      showInGeneral
    }
  }
`);

const REFRESH_MS = 5000;

/**
 * How well the event's guests are covered: faces found, faces matched to a
 * guest, and the photos nobody was found in, which the photographer can show
 * to everyone. Read again as processing moves (`done`).
 */
export function Coverage({ eventId, done }: { eventId: string; done: number }) {
  const { t } = useTranslation();
  const { data, error, refetch } = useQuery(CoverageDocument, { variables: { eventId }, fetchPolicy: 'cache-and-network' });
  const [show, showing] = useMutation(ShowDocument);
  const [failure, setFailure] = useState<unknown>(null);
  // Counting every face of a large event is not free: read again at most every few seconds while photos finish, and once after the last.
  const last = useRef(0);
  useEffect(() => {
    const wait = Math.max(0, last.current + REFRESH_MS - Date.now());
    const timer = setTimeout(() => {
      last.current = Date.now();
      void refetch().catch(() => undefined);
    }, wait);
    return () => clearTimeout(timer);
  }, [done, refetch]);
  const c = data?.eventCoverage;
  if (!c || c.photos === 0) return error ? <ErrorText error={error} /> : null;
  const unmatched = data.photos.edges.map((e) => e.node);
  const hidden = unmatched.filter((p) => !p.showInGeneral);
  return (
    <div className="stack coverage" aria-labelledby="coverage-h">
      <h3 id="coverage-h">{t('coverage.title')}</h3>
      <p data-testid="coverage">
        {t('coverage.faces', { count: c.faces })} · {t('coverage.matched', { count: c.matchedFaces, share: Math.round(c.matchedShare * 100) })}
      </p>
      {c.photosWithoutGuests > 0 ? (
        <>
          <p>{t('coverage.without', { count: c.photosWithoutGuests })}</p>
          <ul className="grid small">
            {unmatched.map((p) => (
              <li key={p.id}>{p.thumbnailUrl ? <img src={p.thumbnailUrl} alt={p.originalFilename} loading="lazy" width={64} height={64} /> : <span className="thumb-missing" />}</li>
            ))}
          </ul>
          {hidden.length > 0 && (
            <button
              type="button"
              className="secondary"
              disabled={showing.loading}
              onClick={() => {
                setFailure(null);
                void show({ variables: { ids: hidden.map((p) => p.id) } }).catch(setFailure);
              }}
            >
              {t('coverage.show', { count: hidden.length })}
            </button>
          )}
          <ErrorText error={failure} />
        </>
      ) : (
        <p className="muted">{t('coverage.allFound')}</p>
      )}
    </div>
  );
}
