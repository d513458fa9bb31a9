import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { session } from '../api/session';
import { graphql } from '../gql';
import { ConfirmButton, ErrorText, Loading } from '../ui/kit';

const PrivacyDocument = graphql(`
  query Privacy($eventId: ID!) {
    event(id: $eventId) {
      id
      name
      myParticipation {
        id
        newPhotoEmails
        faceMatching
      }
    }
    mySelfie {
      id
      status
      uploadedAt
    }
    privacyPolicy {
      retentionRules
    }
  }
`);

const SetEmailsDocument = graphql(`
  mutation SetNewPhotoEmails($eventId: ID!, $enabled: Boolean!) {
    setNewPhotoEmails(eventId: $eventId, enabled: $enabled) {
      id
      newPhotoEmails
    }
  }
`);

const DeleteFaceDataDocument = graphql(`
  mutation DeleteMyFaceData($eventId: ID) {
    deleteMyFaceData(eventId: $eventId)
  }
`);

const LeaveDocument = graphql(`
  mutation LeaveEvent($eventId: ID!) {
    leaveEvent(eventId: $eventId)
  }
`);

const DeleteAccountDocument = graphql(`
  mutation DeleteAccount {
    deleteAccount
  }
`);

/**
 * What FindMe keeps about the guest, and each way to take it back, with what
 * each one erases said before it is done.
 */
export function PrivacyPage() {
  const { eventId = '' } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const apollo = useApolloClient();
  const { data, loading, error } = useQuery(PrivacyDocument, { variables: { eventId }, fetchPolicy: 'cache-and-network' });
  const [failure, setFailure] = useState<{ action: string; error: unknown } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [setEmails] = useMutation(SetEmailsDocument);
  const [deleteFaces] = useMutation(DeleteFaceDataDocument);
  const [leave] = useMutation(LeaveDocument);
  const [deleteAccount] = useMutation(DeleteAccountDocument);

  if (loading && !data) return <Loading />;
  if (error) return <ErrorText error={error} />;
  const event = data?.event;
  const participation = event?.myParticipation;

  const run = (action: string, work: () => Promise<unknown>, message?: string) => async () => {
    setFailure(null);
    setDone(null);
    setBusy(true);
    try {
      await work();
      if (message) setDone(message);
    } catch (err) {
      setFailure({ action, error: err });
    } finally {
      setBusy(false);
    }
  };
  const failed = (action: string) => (failure?.action === action ? <ErrorText error={failure.error} /> : null);
  // Face data gone: the gallery and the selfie state are read again.
  const forgetPhotos = () => {
    apollo.cache.evict({ fieldName: 'myPhotos' });
    apollo.cache.evict({ fieldName: 'mySelfie' });
    apollo.cache.gc();
  };

  return (
    <div className="stack narrow">
      <p>
        <Link to={`/my/${eventId}`}>← {t('privacy.back', { name: event?.name ?? '' })}</Link>
      </p>
      <h1>{t('privacy.title')}</h1>
      <div role="status" className="notice">
        {done}
      </div>

      <section className="card" aria-labelledby="selfie-h">
        <h2 id="selfie-h">{t('privacy.selfieTitle')}</h2>
        <p>{data?.mySelfie?.status === 'ACTIVE' ? t('privacy.selfieActive') : t('privacy.selfieNone')}</p>
        <Link className="button secondary" to={`/selfie?event=${eventId}`}>
          {t('privacy.retake')}
        </Link>
      </section>

      {participation && (
        <section className="card" aria-labelledby="emails-h">
          <h2 id="emails-h">{t('privacy.emailsTitle')}</h2>
          <label className="check">
            <input
              type="checkbox"
              checked={participation.newPhotoEmails}
              disabled={busy}
              onChange={(e) => void run('emails', () => setEmails({ variables: { eventId, enabled: e.target.checked } }))()}
            />
            {t('privacy.emails')}
          </label>
          {failed('emails')}
        </section>
      )}

      <section className="card" aria-labelledby="erase-h">
        <h2 id="erase-h">{t('privacy.eraseTitle')}</h2>
        {participation && (
          <div className="stack">
            <p>{t('privacy.eraseEventExplain')}</p>
            <ConfirmButton
              label={t('privacy.eraseEvent')}
              confirmLabel={t('privacy.eraseEventConfirm')}
              warning={t('privacy.eraseEventWarning')}
              busy={busy}
              onConfirm={run('eraseEvent', async () => {
                await deleteFaces({ variables: { eventId } });
                forgetPhotos();
              }, t('privacy.erasedEvent'))}
            />
            {failed('eraseEvent')}
          </div>
        )}
        <div className="stack">
          <p>{t('privacy.eraseAllExplain')}</p>
          <ConfirmButton
            label={t('privacy.eraseAll')}
            confirmLabel={t('privacy.eraseAllConfirm')}
            warning={t('privacy.eraseAllWarning')}
            busy={busy}
            onConfirm={run('eraseAll', async () => {
              await deleteFaces({ variables: { eventId: null } });
              forgetPhotos();
            }, t('privacy.erasedAll'))}
          />
          {failed('eraseAll')}
        </div>
      </section>

      {participation && (
        <section className="card" aria-labelledby="leave-h">
          <h2 id="leave-h">{t('privacy.leaveTitle')}</h2>
          <p>{t('privacy.leaveExplain')}</p>
          <ConfirmButton
            label={t('privacy.leave')}
            confirmLabel={t('privacy.leaveConfirm')}
            warning={t('privacy.leaveWarning')}
            busy={busy}
            onConfirm={run('leave', async () => {
              await leave({ variables: { eventId } });
              await apollo.clearStore();
              void navigate('/');
            })}
          />
          {failed('leave')}
        </section>
      )}

      <section className="card" aria-labelledby="account-h">
        <h2 id="account-h">{t('privacy.accountTitle')}</h2>
        <p>{t('privacy.accountExplain')}</p>
        <ConfirmButton
          label={t('privacy.deleteAccount')}
          confirmLabel={t('privacy.deleteAccountConfirm')}
          warning={t('privacy.deleteAccountWarning')}
          busy={busy}
          onConfirm={run('account', async () => {
            await deleteAccount();
            session.set(null);
            void navigate('/');
          })}
        />
        {failed('account')}
      </section>

      {data?.privacyPolicy.retentionRules && (
        <section aria-labelledby="rules-h">
          <h2 id="rules-h">{t('privacy.rules')}</h2>
          <ul>
            {data.privacyPolicy.retentionRules.map((rule) => (
              <li key={rule}>{rule}</li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
