import { useMutation } from '@apollo/client/react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { graphql } from '../gql';
import { ConfirmButton, ErrorText } from '../ui/kit';

const RotateWallUrlDocument = graphql(`
  mutation RotateWallUrl($eventId: ID!) {
    rotateWallUrl(eventId: $eventId) {
      id
      wallUrl
    }
  }
`);

/**
 * The wall for the venue's screen: its link (open it on the projector's
 * browser), a choice of QR code in a corner, and a way to replace the link
 * when it went further than the venue.
 */
export function WallLink({ eventId, url, publicGallery }: { eventId: string; url: string; publicGallery: boolean }) {
  const { t } = useTranslation();
  const [qr, setQr] = useState(true);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [rotate, { loading }] = useMutation(RotateWallUrlDocument);
  const link = qr ? url : `${url}?qr=0`;

  const copy = async () => {
    setCopied(null);
    try {
      await navigator.clipboard.writeText(link);
      setCopied('yes');
    } catch {
      // No clipboard on plain http at a network address: the link is on the page to select.
      setCopied('no');
    }
  };

  return (
    <section className="card" aria-labelledby="wall-h">
      <h2 id="wall-h">{t('wallLink.title')}</h2>
      <p>{t('wallLink.explain')}</p>
      {!publicGallery && <p className="notice-box">{t('wallLink.privateGallery')}</p>}
      <p className="wall-link">
        <a href={link} target="_blank" rel="noreferrer">
          {link}
        </a>
      </p>
      <label className="check">
        <input type="checkbox" checked={qr} onChange={(e) => setQr(e.target.checked)} />
        {t('wallLink.qr')}
      </label>
      <div className="row">
        <a className="button" href={link} target="_blank" rel="noreferrer">
          {t('wallLink.open')}
        </a>
        <button type="button" className="secondary" onClick={() => void copy()}>
          {t('wallLink.copy')}
        </button>
      </div>
      <p role="status">{copied === 'yes' ? t('wallLink.copied') : copied === 'no' ? t('wallLink.copyFailed') : ''}</p>
      <ConfirmButton
        label={t('wallLink.rotate')}
        confirmLabel={t('wallLink.rotateConfirm')}
        warning={t('wallLink.rotateWarning')}
        busy={loading}
        onConfirm={async () => {
          setFailure(null);
          try {
            await rotate({ variables: { eventId } });
          } catch (err) {
            setFailure(err);
          }
        }}
      />
      <ErrorText error={failure} />
    </section>
  );
}
