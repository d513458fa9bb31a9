import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { fromAuth, session } from '../api/session';
import { graphql } from '../gql';
import { ErrorText, TextField } from '../ui/kit';

const RegisterPhotographerDocument = graphql(`
  mutation RegisterPhotographer($input: RegisterInput!) {
    register(input: $input) {
      ...SessionFields
    }
  }
`);

/** A photographer's account: guests never need one of these (they join from a code). */
export function SignupPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const [register, { loading }] = useMutation(RegisterPhotographerDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    try {
      const { data } = await register({ variables: { input: { displayName: name.trim(), email: email.trim(), password, role: 'PHOTOGRAPHER' } } });
      session.set(fromAuth(data!.register));
      void navigate('/events', { replace: true });
    } catch (err) {
      setFailure(err);
    }
  };

  return (
    <div className="stack narrow">
      <h1>{t('signup.title')}</h1>
      <p>{t('signup.lead')}</p>
      <form className="card" onSubmit={(e) => void submit(e)}>
        <TextField label={t('signup.name')} name="name" value={name} onChange={setName} required autoComplete="name" />
        <TextField label={t('login.email')} name="email" type="email" value={email} onChange={setEmail} required autoComplete="email" inputMode="email" />
        <TextField label={t('login.password')} name="password" type="password" value={password} onChange={setPassword} required minLength={10} autoComplete="new-password" hint={t('signup.passwordHint')} />
        <ErrorText error={failure} />
        <button type="submit" disabled={loading}>
          {loading ? t('signup.creating') : t('signup.submit')}
        </button>
      </form>
    </div>
  );
}
