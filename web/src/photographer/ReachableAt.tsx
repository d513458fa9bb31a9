import { useQuery } from '@apollo/client/react';
import { useTranslation } from 'react-i18next';
import { graphql } from '../gql';

const NetworkAddressesDocument = graphql(`
  query NetworkAddresses {
    networkAddresses
  }
`);

/** Whether this page was opened at an address only this computer can reach. */
export function isLocalOnly(hostname: string = location.hostname): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\./.test(hostname);
}

/**
 * The address the QR code and the printed card point at (this page's own).
 * Opened as localhost, that address works on this computer only: the
 * photographer is told so and offered this machine's network addresses, where
 * the same page makes a card that works from guests' phones.
 */
export function ReachableAt(props: { path: string }) {
  const { t } = useTranslation();
  const local = isLocalOnly();
  const addresses = useQuery(NetworkAddressesDocument, { skip: !local });
  if (!local) {
    return (
      <p className="muted">
        {t('reach.pointsAt')} <strong>{location.origin}</strong>
      </p>
    );
  }
  const found = addresses.data?.networkAddresses ?? [];
  return (
    <div className="notice-box" role="note" aria-labelledby="reach-h">
      <p id="reach-h">
        <strong>{t('reach.localTitle', { origin: location.origin })}</strong>
      </p>
      {addresses.loading ? (
        <p>{t('reach.looking')}</p>
      ) : found.length > 0 ? (
        <>
          <p>{t('reach.openAt')}</p>
          <ul>
            {found.map((address) => (
              <li key={address}>
                <a href={`${address}${props.path}`}>{address}</a>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>{t('reach.noNetwork')}</p>
      )}
    </div>
  );
}
