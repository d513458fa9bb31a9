import { useMutation } from '@apollo/client/react';
import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, useLocation, useNavigate } from 'react-router';
import { useOnline } from '../api/connection';
import { session } from '../api/session';
import { useSession } from '../api/useSession';
import { graphql } from '../gql';
import { LANGUAGES, type Language } from '../i18n';

const LogoutDocument = graphql(`
  mutation Logout {
    logout
  }
`);

function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span className="visually-hidden">{t('layout.language')}</span>
      <select value={i18n.resolvedLanguage} onChange={(e) => void i18n.changeLanguage(e.target.value as Language)}>
        {Object.entries(LANGUAGES).map(([code, name]) => (
          <option key={code} value={code} lang={code}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The offline state: said once, politely, and gone when the connection is back. */
function OfflineBanner() {
  const { t } = useTranslation();
  const online = useOnline();
  return (
    <div className="offline" role="status" hidden={online}>
      {online ? '' : t('layout.offline')}
    </div>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const current = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const [logout] = useMutation(LogoutDocument);

  // A new page moves focus to its content, so screen readers and keyboards start there.
  useEffect(() => {
    main.current?.focus({ preventScroll: true });
  }, [location.pathname]);

  const signOut = async () => {
    await logout().catch(() => undefined);
    session.set(null);
    void navigate('/');
  };

  return (
    <>
      <a className="skip" href="#main">
        {t('layout.skip')}
      </a>
      <header className="top">
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          FindMe
        </Link>
        <nav aria-label={t('layout.nav')}>
          {current && (current.user.role === 'PHOTOGRAPHER' || current.user.role === 'ADMIN') && <NavLink to="/events">{t('layout.events')}</NavLink>}
          {current?.user.role === 'ADMIN' && <NavLink to="/admin">{t('layout.admin')}</NavLink>}
          {current && <NavLink to="/account">{t('layout.account')}</NavLink>}
          {current ? (
            <button type="button" className="link" onClick={() => void signOut()}>
              {t('layout.signOut')}
            </button>
          ) : (
            <NavLink to="/login">{t('layout.signIn')}</NavLink>
          )}
          <LanguagePicker />
        </nav>
      </header>
      <OfflineBanner />
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
