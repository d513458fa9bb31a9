import { useQuery } from '@apollo/client/react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { graphql } from '../gql';
import { ErrorText, Loading, formatDate } from '../ui/kit';
import { QrCode } from '../ui/QrCode';
import { joinUrl } from './EventsPage';
import { ReachableAt } from './ReachableAt';

const CardDocument = graphql(`
  query EventCard($id: ID!) {
    event(id: $id) {
      id
      name
      date
      code
      photographer {
        displayName
      }
    }
  }
`);

/** A card to print and put on tables: the QR code, the code, and what guests do. */
export default function CardPage() {
  const { eventId = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { data, loading, error } = useQuery(CardDocument, { variables: { id: eventId } });
  if (loading) return <Loading />;
  if (error || !data?.event) return <ErrorText error={error ?? new Error('not found')} />;
  const event = data.event;
  return (
    <div className="stack">
      <p className="no-print">
        <Link to={`/events/${eventId}`}>← {event.name}</Link>{' '}
        <button type="button" onClick={() => window.print()}>
          {t('card.print')}
        </button>
      </p>
      <div className="no-print">
        <ReachableAt path={`/events/${eventId}/card`} />
      </div>
      <article className="print-card">
        <h1>{event.name}</h1>
        <p>{formatDate(event.date, i18n.language)}</p>
        <QrCode value={joinUrl(event.code)} size={260} label={t('events.qr', { name: event.name })} />
        <p className="card-steps">{t('card.steps')}</p>
        <p>
          {t('card.orVisit')} <strong>{joinUrl(event.code)}</strong>
        </p>
        <p>
          {t('events.codeIs')} <strong className="code">{event.code}</strong>
        </p>
        <p className="muted">{t('card.by', { name: event.photographer.displayName })}</p>
      </article>
    </div>
  );
}
