import { useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { useSession } from '../api/useSession';
import { graphql } from '../gql';
import { ErrorText, Loading, TextField, formatDate } from '../ui/kit';

const MyEventsDocument = graphql(`
  query MyEvents {
    myEvents(first: 50) {
      edges {
        node {
          id
          name
          date
          code
          photographer {
            displayName
          }
        }
      }
    }
  }
`);

/** Typing the code from a printed card (dashes and case do not matter). */
export function CodeForm() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [code, setCode] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const clean = code.trim();
    if (clean) void navigate(`/e/${encodeURIComponent(clean)}`);
  };
  return (
    <form className="card" onSubmit={submit}>
      <TextField label={t('home.codeLabel')} name="code" value={code} onChange={setCode} hint={t('home.codeHint')} required />
      <button type="submit">{t('home.find')}</button>
    </form>
  );
}

function MyEvents() {
  const { t, i18n } = useTranslation();
  const { data, loading, error } = useQuery(MyEventsDocument, { fetchPolicy: 'cache-and-network' });
  if (loading && !data) return <Loading />;
  if (error) return <ErrorText error={error} />;
  const events = data?.myEvents.edges.map((e) => e.node) ?? [];
  if (events.length === 0) return <p className="muted">{t('home.noEvents')}</p>;
  return (
    <ul className="event-list">
      {events.map((event) => (
        <li key={event.id}>
          <Link to={`/my/${event.id}`} className="event-link">
            <strong>{event.name}</strong>
            <span>
              {formatDate(event.date, i18n.language)} · {event.photographer.displayName}
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

export function HomePage() {
  const { t } = useTranslation();
  const current = useSession();
  const [params] = useSearchParams();
  if (current && current.user.role !== 'PARTICIPANT') return <Navigate to="/events" replace />;
  return (
    <div className="stack">
      {params.has('deleted') && !current && (
        <p className="found" role="status">
          {t('home.deleted')}
        </p>
      )}
      <section className="hero">
        <h1>{t('home.title')}</h1>
        <p>{t('home.lead')}</p>
      </section>
      <CodeForm />
      {current ? (
        <section>
          <h2>{t('home.yourEvents')}</h2>
          <MyEvents />
        </section>
      ) : (
        <p className="muted">
          {t('home.photographer')} <Link to="/signup">{t('home.signup')}</Link> · <Link to="/login">{t('layout.signIn')}</Link>
        </p>
      )}
    </div>
  );
}
