import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { reopenSignedOut } from '../api/session';
import { graphql } from '../gql';
import { ErrorText, Loading, TextField, useAction } from '../ui/kit';
import { DeleteAccountSection, EraseAllFaceData } from './ErasureSections';

const AccountDocument = graphql(`
  query Account {
    me {
      id
      email
      displayName
    }
  }
`);

const UpdateProfileDocument = graphql(`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      id
      displayName
    }
  }
`);

const ChangePasswordDocument = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input)
  }
`);

const LogoutEverywhereDocument = graphql(`
  mutation LogoutEverywhere {
    logoutEverywhere
  }
`);

/** A form whose answer (saved, or why not) is said under its button. */
function SavingForm(props: { title: string; id: string; submit: string; saved: string; onSubmit: () => Promise<unknown>; children: ReactNode }) {
  const { run, busy, done, failure } = useAction(props.onSubmit);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run();
  };
  return (
    <form className="card" aria-labelledby={props.id} onSubmit={submit}>
      <h2 id={props.id}>{props.title}</h2>
      {props.children}
      <ErrorText error={failure} />
      <button type="submit" disabled={busy}>
        {props.submit}
      </button>
      <p role="status">{done ? props.saved : ''}</p>
    </form>
  );
}

/**
 * The signed-in person's own account, for guests and photographers alike:
 * their name, a password (a first one for guests who joined without),
 * signing out every device, and erasing their face data or the whole account.
 */
export function AccountPage() {
  const { t } = useTranslation();
  const { data, loading, error } = useQuery(AccountDocument);
  const [name, setName] = useState<string | null>(null);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [updateProfile] = useMutation(UpdateProfileDocument);
  const [changePassword] = useMutation(ChangePasswordDocument);
  const [logoutEverywhere] = useMutation(LogoutEverywhereDocument);
  const signOutEverywhere = useAction(async () => {
    await logoutEverywhere();
    reopenSignedOut('/login');
  });

  if (loading && !data) return <Loading />;
  if (error) return <ErrorText error={error} />;
  const me = data?.me;
  if (!me) return null;

  return (
    <div className="stack narrow">
      <h1>{t('account.title')}</h1>
      <p className="muted">{t('account.signedInAs', { email: me.email })}</p>

      <SavingForm title={t('account.profile')} id="profile-h" submit={t('account.saveName')} saved={t('settings.saved')} onSubmit={() => updateProfile({ variables: { input: { displayName: (name ?? me.displayName).trim() } } })}>
        <TextField label={t('account.name')} name="name" value={name ?? me.displayName} onChange={setName} required autoComplete="name" />
      </SavingForm>

      <SavingForm
        title={t('account.password')}
        id="password-h"
        submit={t('account.changePassword')}
        saved={t('account.passwordChanged')}
        onSubmit={async () => {
          await changePassword({ variables: { input: { currentPassword: current, newPassword: next } } });
          setCurrent('');
          setNext('');
        }}
      >
        <TextField label={t('account.currentPassword')} name="current-password" type="password" value={current} onChange={setCurrent} autoComplete="current-password" hint={t('account.currentHint')} />
        <TextField label={t('account.newPassword')} name="new-password" type="password" value={next} onChange={setNext} required minLength={10} autoComplete="new-password" hint={t('signup.passwordHint')} />
      </SavingForm>

      <section className="card" aria-labelledby="devices-h">
        <h2 id="devices-h">{t('account.devices')}</h2>
        <p>{t('account.devicesExplain')}</p>
        <button type="button" className="secondary" disabled={signOutEverywhere.busy} onClick={() => void signOutEverywhere.run()}>
          {t('account.signOutEverywhere')}
        </button>
        <ErrorText error={signOutEverywhere.failure} />
      </section>

      <section className="card" aria-labelledby="faces-h">
        <h2 id="faces-h">{t('privacy.eraseTitle')}</h2>
        <EraseAllFaceData />
      </section>

      <DeleteAccountSection />
    </div>
  );
}

export default AccountPage;
