import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { graphql } from '../gql';
import { Empty, ErrorText, Loading, MoreButton, TextField, formatDate } from '../ui/kit';
import { QrCode } from '../ui/QrCode';

const EventsDocument = graphql(`
  query PhotographerEvents($after: String) {
    myEvents(first: 30, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      edges {
        node {
          id
          name
          date
          code
        }
      }
    }
  }
`);

const CreateEventDocument = graphql(`
  mutation CreateEvent($input: CreateEventInput!) {
    createEvent(input: $input) {
      id
      name
      date
      code
    }
  }
`);

export const joinUrl = (code: string) => `${location.origin}/e/${encodeURIComponent(code)}`;

function CreateEventForm() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [date, setDate] = useState(() => new Date().toISOString().slice(0, 10));
  const [code, setCode] = useState('');
  const [approval, setApproval] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [create, { loading }] = useMutation(CreateEventDocument, { refetchQueries: ['PhotographerEvents'] });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    try {
      const { data } = await create({ variables: { input: { name: name.trim(), date, ...(code.trim() ? { code: code.trim() } : {}), settings: { guestApproval: approval } } } });
      void navigate(`/events/${data!.createEvent.id}`);
    } catch (err) {
      setFailure(err);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="create-h">
      <h2 id="create-h">{t('events.create')}</h2>
      <TextField label={t('events.name')} name="name" value={name} onChange={setName} required />
      <TextField label={t('events.date')} name="date" type="date" value={date} onChange={setDate} required />
      <TextField label={t('events.code')} name="code" value={code} onChange={setCode} hint={t('events.codeHint')} />
      <label className="check">
        <input type="checkbox" checked={approval} onChange={(e) => setApproval(e.target.checked)} />
        {t('events.approval')}
      </label>
      <ErrorText error={failure} />
      <button type="submit" disabled={loading}>
        {loading ? t('events.creating') : t('events.createButton')}
      </button>
    </form>
  );
}

/** The photographer's events, each with its join QR code and printable card. */
export default function EventsPage() {
  const { t, i18n } = useTranslation();
  const { data, loading, error, fetchMore } = useQuery(EventsDocument, { fetchPolicy: 'cache-and-network' });
  const events = data?.myEvents.edges.map((e) => e.node) ?? [];
  return (
    <div className="stack">
      <h1>{t('events.title')}</h1>
      <CreateEventForm />
      {loading && !data ? (
        <Loading />
      ) : error ? (
        <ErrorText error={error} />
      ) : events.length === 0 ? (
        <Empty title={t('events.none')}>
          <p>{t('events.noneBody')}</p>
        </Empty>
      ) : (
        <ul className="cards">
          {events.map((event) => (
            <li key={event.id} className="card event-card">
              <QrCode value={joinUrl(event.code)} size={96} label={t('events.qr', { name: event.name })} />
              <div>
                <h2>
                  <Link to={`/events/${event.id}`}>{event.name}</Link>
                </h2>
                <p className="muted">
                  {formatDate(event.date, i18n.language)} · {t('events.codeIs')} <code>{event.code}</code>
                </p>
                <Link to={`/events/${event.id}/card`}>{t('events.card')}</Link>
              </div>
            </li>
          ))}
        </ul>
      )}
      <MoreButton pageInfo={data?.myEvents.pageInfo} fetchMore={fetchMore} />
    </div>
  );
}
