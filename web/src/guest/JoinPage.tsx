import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { errorCode } from '../api/errors';
import { RequestSignInLinkDocument } from '../api/operations';
import { fromAuth, session } from '../api/session';
import { useSession } from '../api/useSession';
import { graphql } from '../gql';
import { ErrorText, Loading, TextField, formatDate } from '../ui/kit';
import { CodeForm } from './HomePage';

const JoinPreviewDocument = graphql(`
  query JoinPreview($code: String!) {
    eventByCode(code: $code) {
      code
      name
      date
      photographerName
    }
    privacyPolicy {
      version
      consentText
      faceDataRetentionDays
    }
  }
`);

const RegisterGuestDocument = graphql(`
  mutation RegisterGuest($input: RegisterInput!) {
    register(input: $input) {
      ...SessionFields
    }
  }
`);

const JoinEventDocument = graphql(`
  mutation JoinEvent($code: String!) {
    joinEvent(code: $code, consent: true) {
      id
      status
      event {
        id
      }
    }
  }
`);

const SelfieStatusDocument = graphql(`
  query SelfieStatus {
    mySelfie {
      id
      status
    }
  }
`);

/**
 * The QR code's target: the event's preview, then join with a name and an
 * email (no password: guests sign in again with emailed links) and explicit
 * consent to face matching, in the policy's own words and version.
 */
export function JoinPage() {
  const { code = '' } = useParams();
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const apollo = useApolloClient();
  const current = useSession();
  const { data, loading, error } = useQuery(JoinPreviewDocument, { variables: { code } });
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [consent, setConsent] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [linkSent, setLinkSent] = useState(false);
  const [register] = useMutation(RegisterGuestDocument);
  const [join] = useMutation(JoinEventDocument);
  const [sendLink] = useMutation(RequestSignInLinkDocument);

  if (loading) return <Loading />;
  if (error) return <ErrorText error={error} />;
  const event = data?.eventByCode;
  const policy = data?.privacyPolicy;
  if (!event || !policy) {
    return (
      <div className="stack">
        <h1>{t('join.unknownTitle')}</h1>
        <p>{t('join.unknownBody', { code })}</p>
        <CodeForm />
      </div>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    setBusy(true);
    try {
      if (!session.get()) {
        const { data: registered } = await register({ variables: { input: { displayName: name.trim(), email: email.trim(), role: 'PARTICIPANT' } } });
        if (registered) session.set(fromAuth(registered.register));
      }
      const { data: joined } = await join({ variables: { code: event.code } });
      const eventId = joined!.joinEvent.event.id;
      const selfie = await apollo.query({ query: SelfieStatusDocument, fetchPolicy: 'network-only' });
      void navigate(selfie.data?.mySelfie?.status === 'ACTIVE' ? `/my/${eventId}` : `/selfie?event=${eventId}`);
    } catch (err) {
      setFailure(err);
      setBusy(false);
    }
  };

  const taken = errorCode(failure) === 'CONFLICT';
  return (
    <div className="stack narrow">
      <section className="event-preview" aria-labelledby="event-name">
        <p className="eyebrow">{t('join.invited')}</p>
        <h1 id="event-name">{event.name}</h1>
        <p>
          {formatDate(event.date, i18n.language)} · {t('join.by', { name: event.photographerName })}
        </p>
      </section>
      <form className="card" onSubmit={(e) => void submit(e)} aria-describedby="join-error">
        {current ? (
          <p>{t('join.signedInAs', { name: current.user.displayName })}</p>
        ) : (
          <>
            <TextField label={t('join.name')} name="name" value={name} onChange={setName} required autoComplete="name" />
            <TextField label={t('join.email')} name="email" type="email" value={email} onChange={setEmail} required autoComplete="email" inputMode="email" hint={t('join.emailHint')} />
          </>
        )}
        <fieldset className="consent">
          <legend>{t('join.consentTitle')}</legend>
          <p className="consent-text">{policy.consentText}</p>
          <p className="hint">{t('join.consentVersion', { version: policy.version, days: policy.faceDataRetentionDays })}</p>
          <label className="check">
            <input type="checkbox" name="consent" checked={consent} onChange={(e) => setConsent(e.target.checked)} required />
            {t('join.consent')}
          </label>
        </fieldset>
        <div id="join-error">
          <ErrorText error={failure} />
          {taken && !linkSent && (
            <p>
              <button type="button" className="secondary" onClick={() => void sendLink({ variables: { email: email.trim() } }).then(() => setLinkSent(true), setFailure)}>
                {t('join.sendLink')}
              </button>{' '}
              <Link to={`/login?next=${encodeURIComponent(`/e/${code}`)}`}>{t('join.signInInstead')}</Link>
            </p>
          )}
          {linkSent && <p role="status">{t('join.linkSent', { email })}</p>}
        </div>
        <button type="submit" disabled={busy}>
          {busy ? t('join.joining') : t('join.join')}
        </button>
      </form>
      {!current && (
        <p>
          {t('join.returning')} <Link to={`/login?next=${encodeURIComponent(`/e/${code}`)}`}>{t('join.signIn')}</Link>
        </p>
      )}
    </div>
  );
}
