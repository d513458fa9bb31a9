import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { graphql } from '../gql';
import { ErrorText, Loading, MoreButton } from '../ui/kit';

const ParticipantsDocument = graphql(`
  query EventParticipants($eventId: ID!, $after: String) {
    eventParticipants(eventId: $eventId, first: 50, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        node {
          id
          displayName
          status
          hasSelfie
          matchedPhotoCount
          joinedAt
        }
      }
    }
  }
`);

const ApprovalDocument = graphql(`
  mutation SetParticipantApproval($id: ID!, $approved: Boolean!) {
    setParticipantApproval(id: $id, approved: $approved) {
      id
      status
      decidedAt
    }
  }
`);

/** The event's guests, with approve and refuse where the event asks for approval. */
export function Participants({ eventId }: { eventId: string }) {
  const { t } = useTranslation();
  const { data, loading, error, fetchMore } = useQuery(ParticipantsDocument, { variables: { eventId }, fetchPolicy: 'cache-and-network', pollInterval: 30_000 });
  const [decide] = useMutation(ApprovalDocument);
  const [failure, setFailure] = useState<unknown>(null);
  const guests = data?.eventParticipants.edges.map((e) => e.node) ?? [];
  return (
    <section className="card" aria-labelledby="guests-h">
      <h2 id="guests-h">{t('guests.title', { count: data?.eventParticipants.totalCount ?? 0 })}</h2>
      <ErrorText error={error ?? failure} />
      {loading && !data ? (
        <Loading />
      ) : guests.length === 0 ? (
        <p className="empty-inline">{t('guests.none')}</p>
      ) : (
        <ul className="guest-list">
          {guests.map((guest) => (
            <li key={guest.id}>
              <strong>{guest.displayName}</strong>
              <span className={`badge guest-${guest.status}`}>{t(`guests.status.${guest.status}`)}</span>
              <span className="muted">
                {guest.hasSelfie ? t('guests.photos', { count: guest.matchedPhotoCount }) : t('guests.noSelfie')}
              </span>
              <span className="row">
                {guest.status !== 'APPROVED' && (
                  <button type="button" className="secondary" onClick={() => void decide({ variables: { id: guest.id, approved: true } }).catch(setFailure)}>
                    {t('guests.approve', { name: guest.displayName })}
                  </button>
                )}
                {guest.status !== 'REFUSED' && (
                  <button type="button" className="secondary" onClick={() => void decide({ variables: { id: guest.id, approved: false } }).catch(setFailure)}>
                    {t('guests.refuse', { name: guest.displayName })}
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
      <MoreButton pageInfo={data?.eventParticipants.pageInfo} fetchMore={fetchMore} />
    </section>
  );
}
