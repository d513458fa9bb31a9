import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { graphql } from '../gql';
import type { DriveImportCardFragment } from '../gql/graphql';
import { ConfirmButton, ErrorText, Loading, TextField, useAction } from '../ui/kit';

graphql(`
  fragment DriveImportCard on DriveImport {
    id
    folderId
    folderName
    status
    filesSeen
    filesImported
    filesSkipped
    lastCheckedAt
    lastError
    skippedFiles(first: 10) {
      name
      reason
    }
  }
`);

const DriveImportsDocument = graphql(`
  query DriveImportsPanel($eventId: ID!) {
    driveServiceAccountEmail
    driveImports(eventId: $eventId) {
      ...DriveImportCard
    }
  }
`);

const DriveImportChangedDocument = graphql(`
  subscription DriveImportLive($eventId: ID!) {
    driveImportChanged(eventId: $eventId) {
      ...DriveImportCard
    }
  }
`);

const ConnectDocument = graphql(`
  mutation ConnectDrive($eventId: ID!, $folderUrl: String!) {
    connectDriveFolder(eventId: $eventId, folderUrl: $folderUrl) {
      ...DriveImportCard
    }
  }
`);

const PauseDocument = graphql(`
  mutation PauseDrive($id: ID!) {
    pauseDriveImport(id: $id) {
      ...DriveImportCard
    }
  }
`);

const ResumeDocument = graphql(`
  mutation ResumeDrive($id: ID!) {
    resumeDriveImport(id: $id) {
      ...DriveImportCard
    }
  }
`);

const DisconnectDocument = graphql(`
  mutation DisconnectDrive($id: ID!) {
    disconnectDriveFolder(id: $id)
  }
`);

/**
 * Import from Google Drive: the address to share a folder with, the folder's
 * link, and each connected folder live (found, imported, skipped, last check,
 * what went wrong), with Pause and Disconnect.
 */
export function DriveImports({ eventId }: { eventId: string }) {
  const { t } = useTranslation();
  const { data, loading, error, refetch } = useQuery(DriveImportsDocument, { variables: { eventId } });
  const imports = data?.driveImports ?? [];
  useSubscription(DriveImportChangedDocument, {
    variables: { eventId },
    skip: !data?.driveServiceAccountEmail,
    // Known folders update in the cache by themselves; one connected elsewhere (another tab) joins the list.
    onData: ({ data: live }) => {
      const id = live.data?.driveImportChanged.id;
      if (id && !imports.some((i) => i.id === id)) void refetch();
    },
  });
  const [folderUrl, setFolderUrl] = useState('');
  const [connectFolder] = useMutation(ConnectDocument);
  const connect = useAction(async () => {
    await connectFolder({ variables: { eventId, folderUrl } });
    setFolderUrl('');
    await refetch();
  });
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  if (loading && !data) return <Loading />;
  const email = data?.driveServiceAccountEmail;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(email ?? '');
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void connect.run();
  };

  return (
    <section className="card" aria-labelledby="drive-h">
      <h2 id="drive-h">{t('drive.title')}</h2>
      <ErrorText error={error} />
      {data && !email && <p className="notice-box">{t('drive.notConfigured')}</p>}
      {email && (
        <>
          <ol className="steps">
            <li>
              {t('drive.share')} <code className="drive-email">{email}</code>{' '}
              <button type="button" className="secondary small" onClick={() => void copy()}>
                {t('drive.copyEmail')}
              </button>
              <span role="status" className="muted">
                {copied === 'yes' ? ` ${t('drive.copied')}` : copied === 'no' ? ` ${t('drive.copyFailed')}` : ''}
              </span>
            </li>
            <li>{t('drive.paste')}</li>
          </ol>
          <form onSubmit={submit} className="stack">
            <TextField label={t('drive.folderUrl')} name="folderUrl" value={folderUrl} onChange={setFolderUrl} required hint={t('drive.folderUrlHint')} />
            <div className="row">
              <button type="submit" disabled={connect.busy || folderUrl.trim() === ''}>
                {connect.busy ? t('drive.connecting') : t('drive.connect')}
              </button>
            </div>
            <ErrorText error={connect.failure} />
          </form>
          {imports.length === 0 ? <p className="muted">{t('drive.none')}</p> : <ul className="drive-list">{imports.map((i) => <DriveFolder key={i.id} folder={i} onGone={() => void refetch()} />)}</ul>}
        </>
      )}
    </section>
  );
}

function DriveFolder({ folder, onGone }: { folder: DriveImportCardFragment; onGone: () => void }) {
  const { t, i18n } = useTranslation();
  const [pause] = useMutation(PauseDocument);
  const [resume] = useMutation(ResumeDocument);
  const [disconnect] = useMutation(DisconnectDocument);
  const toggle = useAction(() => (folder.status === 'ACTIVE' ? pause({ variables: { id: folder.id } }) : resume({ variables: { id: folder.id } })));
  const remove = useAction(async () => {
    await disconnect({ variables: { id: folder.id } });
    onGone();
  });
  const checked = folder.lastCheckedAt ? new Date(folder.lastCheckedAt).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : null;
  return (
    <li className="drive-folder" aria-labelledby={`drive-${folder.id}`}>
      <h3 id={`drive-${folder.id}`}>
        <a href={`https://drive.google.com/drive/folders/${folder.folderId}`} target="_blank" rel="noreferrer">
          {folder.folderName}
        </a>{' '}
        <span className={`badge drive-${folder.status.toLowerCase()}`}>{t(`drive.status.${folder.status}`)}</span>
      </h3>
      <p aria-live="polite">{t('drive.counts', { seen: folder.filesSeen, imported: folder.filesImported, skipped: folder.filesSkipped })}</p>
      <p className="muted">{checked ? t('drive.lastChecked', { time: checked }) : t('drive.firstCheck')}</p>
      {folder.lastError && (
        <p className={folder.status === 'FAILED' ? 'error' : 'notice-box'} role={folder.status === 'FAILED' ? 'alert' : undefined}>
          {folder.lastError}
        </p>
      )}
      {folder.skippedFiles.length > 0 && (
        <details>
          <summary>{t('drive.whySkipped')}</summary>
          <ul>
            {folder.skippedFiles.map((s) => (
              <li key={`${s.name}:${s.reason}`}>
                <strong>{s.name}</strong>: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      <div className="row">
        <button type="button" className="secondary" disabled={toggle.busy} onClick={() => void toggle.run()}>
          {folder.status === 'ACTIVE' ? t('drive.pause') : t('drive.resume')}
        </button>
        <ConfirmButton label={t('drive.disconnect')} confirmLabel={t('drive.disconnectConfirm')} warning={t('drive.disconnectWarning')} busy={remove.busy} onConfirm={remove.run} />
      </div>
      <ErrorText error={toggle.failure ?? remove.failure} />
    </li>
  );
}
