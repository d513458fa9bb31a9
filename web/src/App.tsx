import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { session } from './api/session';
import { useSession } from './api/useSession';
import { LoginPage } from './account/LoginPage';
import { SignupPage } from './account/SignupPage';
import { GalleryPage } from './guest/GalleryPage';
import { HomePage } from './guest/HomePage';
import { JoinPage } from './guest/JoinPage';
import { PrivacyPage } from './guest/PrivacyPage';
import { SelfiePage } from './guest/SelfiePage';
import { Layout } from './ui/Layout';
import { Empty, Loading } from './ui/kit';

// Photographers' and admins' pages load on demand: a guest's phone never downloads them.
const EventsPage = lazy(() => import('./photographer/EventsPage'));
const EventPage = lazy(() => import('./photographer/EventPage'));
const CardPage = lazy(() => import('./photographer/CardPage'));
const AdminPage = lazy(() => import('./photographer/AdminPage'));
const AccountPage = lazy(() => import('./account/AccountPage'));
const PeoplePage = lazy(() => import('./guest/PeoplePage'));
// The venue's screen: its own full-screen page, without the app's header and sign-in.
const WallPage = lazy(() => import('./wall/WallPage'));

/** Pages for signed-in people: others go to sign-in and come back. */
function SignedIn({ children, roles }: { children: ReactNode; roles?: string[] }) {
  const current = useSession();
  const location = useLocation();
  const { t } = useTranslation();
  if (!current) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (roles && !roles.includes(current.user.role)) return <Empty title={t('errors.FORBIDDEN')} />;
  return <>{children}</>;
}

function NotFound() {
  const { t } = useTranslation();
  return <Empty title={t('notFound.title')}>{<p>{t('notFound.body')}</p>}</Empty>;
}

export function App() {
  return (
    <Routes>
      <Route
        path="/wall/:token"
        element={
          <Suspense fallback={null}>
            <WallPage />
          </Suspense>
        }
      />
      <Route path="/*" element={<Site />} />
    </Routes>
  );
}

function Site() {
  const [restored, setRestored] = useState(session.restored);
  useEffect(() => {
    if (!restored) void session.renew().then(() => setRestored(true));
  }, [restored]);

  return (
    <Layout>
      {!restored ? (
        <Loading />
      ) : (
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<HomePage />} />
            <Route path="/e/:code" element={<JoinPage />} />
            <Route path="/login" element={<LoginPage />} />
            <Route path="/signup" element={<SignupPage />} />
            <Route path="/account" element={<SignedIn><AccountPage /></SignedIn>} />
            <Route path="/selfie" element={<SignedIn><SelfiePage /></SignedIn>} />
            <Route path="/my/:eventId" element={<SignedIn><GalleryPage /></SignedIn>} />
            <Route path="/my/:eventId/privacy" element={<SignedIn><PrivacyPage /></SignedIn>} />
            <Route path="/my/:eventId/people" element={<SignedIn><PeoplePage /></SignedIn>} />
            <Route path="/events" element={<SignedIn roles={['PHOTOGRAPHER', 'ADMIN']}><EventsPage /></SignedIn>} />
            <Route path="/events/:eventId" element={<SignedIn roles={['PHOTOGRAPHER', 'ADMIN']}><EventPage /></SignedIn>} />
            <Route path="/events/:eventId/card" element={<SignedIn roles={['PHOTOGRAPHER', 'ADMIN']}><CardPage /></SignedIn>} />
            <Route path="/admin" element={<SignedIn roles={['ADMIN']}><AdminPage /></SignedIn>} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      )}
    </Layout>
  );
}
