import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { DeleteAccountSection, EraseAllFaceData, Erasure, useEraseFaceData } from '../account/ErasureSections';
import { graphql } from '../gql';
import { ErrorText, Loading } from '../ui/kit';

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

const LeaveDocument = graphql(`
  mutation LeaveEvent($eventId: ID!) {
    leaveEvent(eventId: $eventId)
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
  const [emailsFailure, setEmailsFailure] = useState<unknown>(null);
  const [emailsShown, setEmailsShown] = useState<boolean | null>(null);
  const [setEmails] = useMutation(SetEmailsDocument);
  const [leave] = useMutation(LeaveDocument);
  const erase = useEraseFaceData();

  if (loading && !data) return <Loading />;
  if (error) return <ErrorText error={error} />;
  const event = data?.event;
  const participation = event?.myParticipation;

  return (
    <div className="stack narrow">
      <p>
        <Link to={`/my/${eventId}`}>← {t('privacy.back', { name: event?.name ?? '' })}</Link>
      </p>
      <h1>{t('privacy.title')}</h1>

      <section className="card" aria-labelledby="selfie-h">
        <h2 id="selfie-h">{t('privacy.selfieTitle')}</h2>
        <p>{data?.mySelfie?.status === 'ACTIVE' ? t('privacy.selfieActive') : t('privacy.selfieNone')}</p>
        <div className="row">
          <Link className="button secondary" to={`/selfie?event=${eventId}`}>
            {t('privacy.retake')}
          </Link>
          {data?.mySelfie?.status === 'ACTIVE' && (
            <Link className="button secondary" to={`/selfie?event=${eventId}&add=1`}>
              {t('gallery.addSelfie')}
            </Link>
          )}
        </div>
        <p>
          <Link to={`/my/${eventId}/people`}>{t('privacy.people')}</Link>
        </p>
      </section>

      {participation && (
        <section className="card" aria-labelledby="emails-h">
          <h2 id="emails-h">{t('privacy.emailsTitle')}</h2>
          <label className="check">
            <input
              type="checkbox"
              checked={emailsShown ?? participation.newPhotoEmails}
              onChange={(e) => {
                setEmailsFailure(null);
                // The box follows the click at once; a refusal puts it back and says why.
                const enabled = e.target.checked;
                setEmailsShown(enabled);
                setEmails({ variables: { eventId, enabled } })
                  .catch(setEmailsFailure)
                  .finally(() => setEmailsShown(null));
              }}
            />
            {t('privacy.emails')}
          </label>
          <ErrorText error={emailsFailure} />
        </section>
      )}

      <section className="card" aria-labelledby="erase-h">
        <h2 id="erase-h">{t('privacy.eraseTitle')}</h2>
        {participation && (
          <Erasure
            explain={t('privacy.eraseEventExplain')}
            label={t('privacy.eraseEvent')}
            confirmLabel={t('privacy.eraseEventConfirm')}
            warning={t('privacy.eraseEventWarning')}
            done={t('privacy.erasedEvent')}
            work={() => erase(eventId)}
          />
        )}
        <EraseAllFaceData />
      </section>

      {participation && (
        <section className="card" aria-labelledby="leave-h">
          <h2 id="leave-h">{t('privacy.leaveTitle')}</h2>
          <Erasure
            explain={t('privacy.leaveExplain')}
            label={t('privacy.leave')}
            confirmLabel={t('privacy.leaveConfirm')}
            warning={t('privacy.leaveWarning')}
            work={async () => {
              await leave({ variables: { eventId } });
              await apollo.clearStore();
              void navigate('/');
            }}
          />
        </section>
      )}

      <DeleteAccountSection />

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
