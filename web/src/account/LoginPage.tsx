import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { RequestSignInLinkDocument } from '../api/operations';
import { fromAuth, session } from '../api/session';
import { graphql } from '../gql';
import { ErrorText, TextField } from '../ui/kit';

const LoginDocument = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      ...SessionFields
    }
  }
`);

const ResetDocument = graphql(`
  mutation RequestPasswordReset($email: String!) {
    requestPasswordReset(email: $email)
  }
`);

/** Only paths of this app: a `next` pointing elsewhere is ignored. */
export function safeNext(next: string | null, fallback: string): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}

/** Sign in with a password, or ask for an emailed sign-in link (guests) or reset link. */
export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [login, { loading }] = useMutation(LoginDocument);
  const [sendLink] = useMutation(RequestSignInLinkDocument);
  const [reset] = useMutation(ResetDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    try {
      const { data } = await login({ variables: { input: { email: email.trim(), password } } });
      const next = fromAuth(data!.login);
      session.set(next);
      void navigate(safeNext(params.get('next'), next.user.role === 'PARTICIPANT' ? '/' : '/events'), { replace: true });
    } catch (err) {
      setFailure(err);
    }
  };

  const mail = (kind: 'link' | 'reset') => async () => {
    setFailure(null);
    if (!email.trim()) {
      setSent(t('login.emailFirst'));
      return;
    }
    try {
      if (kind === 'link') await sendLink({ variables: { email: email.trim() } });
      else await reset({ variables: { email: email.trim() } });
      setSent(kind === 'link' ? t('login.linkSent', { email }) : t('login.resetSent', { email }));
    } catch (err) {
      setFailure(err);
    }
  };

  return (
    <div className="stack narrow">
      <h1>{t('login.title')}</h1>
      <form className="card" onSubmit={(e) => void submit(e)}>
        <TextField label={t('login.email')} name="email" type="email" value={email} onChange={setEmail} required autoComplete="email" inputMode="email" />
        <TextField label={t('login.password')} name="password" type="password" value={password} onChange={setPassword} autoComplete="current-password" />
        <ErrorText error={failure} overrides={{ UNAUTHENTICATED: t('login.wrong') }} />
        <button type="submit" disabled={loading}>
          {loading ? t('login.signingIn') : t('login.submit')}
        </button>
      </form>
      <div className="card">
        <p>{t('login.noPassword')}</p>
        <div className="row">
          <button type="button" className="secondary" onClick={() => void mail('link')()}>
            {t('login.sendLink')}
          </button>
          <button type="button" className="secondary" onClick={() => void mail('reset')()}>
            {t('login.forgot')}
          </button>
        </div>
        <p role="status">{sent}</p>
      </div>
      <p>
        {t('login.photographer')} <Link to="/signup">{t('login.signup')}</Link>
      </p>
    </div>
  );
}
