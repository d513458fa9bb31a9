import { useApolloClient, useMutation } from '@apollo/client/react';
import { useTranslation } from 'react-i18next';
import { reopenSignedOut } from '../api/session';
import { useSession } from '../api/useSession';
import { graphql } from '../gql';
import { ConfirmButton, ErrorText, useAction } from '../ui/kit';

const DeleteFaceDataDocument = graphql(`
  mutation DeleteMyFaceData($eventId: ID) {
    deleteMyFaceData(eventId: $eventId)
  }
`);

const DeleteAccountDocument = graphql(`
  mutation DeleteAccount {
    deleteAccount
  }
`);

/** Face data gone: the galleries and the selfie state are read again. */
export function useEraseFaceData(): (eventId: string | null) => Promise<void> {
  const apollo = useApolloClient();
  const [erase] = useMutation(DeleteFaceDataDocument);
  return async (eventId) => {
    await erase({ variables: { eventId } });
    apollo.cache.evict({ fieldName: 'myPhotos' });
    apollo.cache.evict({ fieldName: 'mySelfie' });
    apollo.cache.gc();
  };
}

/** One erasing action, its explanation, its confirmation and its own error or result. */
export function Erasure(props: { explain: string; label: string; confirmLabel: string; warning: string; done?: string; work: () => Promise<unknown> }) {
  const { run, busy, done, failure } = useAction(props.work);
  return (
    <div className="stack">
      <p>{props.explain}</p>
      <ConfirmButton label={props.label} confirmLabel={props.confirmLabel} warning={props.warning} busy={busy} onConfirm={run} />
      <ErrorText error={failure} />
      {done && props.done && <p role="status">{props.done}</p>}
    </div>
  );
}

/** Erases the selfie, the face templates and every match, in all events. */
export function EraseAllFaceData() {
  const { t } = useTranslation();
  const erase = useEraseFaceData();
  return (
    <Erasure
      explain={t('privacy.eraseAllExplain')}
      label={t('privacy.eraseAll')}
      confirmLabel={t('privacy.eraseAllConfirm')}
      warning={t('privacy.eraseAllWarning')}
      done={t('privacy.erasedAll')}
      work={() => erase(null)}
    />
  );
}

/** Deletes the account and everything about the person, then signs out. */
export function DeleteAccountSection() {
  const { t } = useTranslation();
  const [deleteAccount] = useMutation(DeleteAccountDocument);
  const photographer = useSession()?.user.role !== 'PARTICIPANT';
  return (
    <section className="card" aria-labelledby="account-h">
      <h2 id="account-h">{t('privacy.deleteAccountTitle')}</h2>
      <Erasure
        explain={photographer ? t('privacy.accountExplainPhotographer') : t('privacy.accountExplain')}
        label={t('privacy.deleteAccount')}
        confirmLabel={t('privacy.deleteAccountConfirm')}
        warning={t('privacy.deleteAccountWarning')}
        work={async () => {
          await deleteAccount();
          reopenSignedOut('/?deleted=1');
        }}
      />
    </section>
  );
}
