import { useApolloClient } from '@apollo/client/react';
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorSentence, UploadError } from '../api/errors';
import { sendFile, sha256, whenOnline } from '../api/upload';
import { graphql } from '../gql';
import { Progress } from '../ui/kit';

const PhotosByHashDocument = graphql(`
  query PhotosByHash($eventId: ID!, $sha256: [String!]!) {
    photosByHash(eventId: $eventId, sha256: $sha256) {
      id
      sha256
      status
    }
  }
`);

const RequestUploadsDocument = graphql(`
  mutation RequestPhotoUploads($eventId: ID!, $files: [UploadFileInput!]!) {
    requestPhotoUploads(eventId: $eventId, files: $files) {
      photo {
        id
        sha256
      }
      upload {
        ...UploadTarget
      }
    }
  }
`);

const CompleteUploadsDocument = graphql(`
  mutation CompletePhotoUploads($photoIds: [ID!]!) {
    completePhotoUploads(photoIds: $photoIds) {
      id
      status
    }
  }
`);

const TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', heic: 'image/heic', heif: 'image/heif' };
const typeOf = (file: File) => TYPES[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? (Object.values(TYPES).includes(file.type) ? file.type : null);
const PARALLEL = 3;
const BATCH = 25;

type State = 'hashing' | 'waiting' | 'uploading' | 'done' | 'skipped' | 'failed';
interface Item {
  key: string;
  file: File;
  contentType: string;
  state: State;
  sent: number;
  hash?: string;
  error?: unknown;
}

const resumeKey = (eventId: string) => `findme.upload.${eventId}`;

/** A network failure (not a refusal): worth waiting for the connection and trying again. */
const isNetworkError = (err: unknown) => err instanceof TypeError || (err instanceof UploadError && (err.kind === 'network' || err.kind === 'expired'));

/** Every file in a dropped folder, however deep (the entries API reads in chunks). */
async function filesOf(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) return [await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: File[] = [];
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (chunk.length === 0) return out;
    for (const child of chunk) out.push(...(await filesOf(child)));
  }
}

/**
 * Upload by drag and drop of files or folders, or the file chooser. Each file
 * is hashed in the browser (SHA-256, Web Crypto) and skipped when the event
 * already has it; the rest go straight to storage, three at a time, with
 * per-file and overall progress. A lost connection waits and resumes; after
 * a reload, adding the same folder again sends only what is missing.
 */
export function Uploader({ eventId, onQueued }: { eventId: string; onQueued: () => void }) {
  const { t } = useTranslation();
  const apollo = useApolloClient();
  const [items, setItems] = useState<Item[]>([]);
  const [dragging, setDragging] = useState(false);
  const [unfinished, setUnfinished] = useState<number>(() => JSON.parse(localStorage.getItem(resumeKey(eventId)) ?? '[]').length);
  const [rejected, setRejected] = useState<string[]>([]);
  const running = useRef(false);
  const queue = useRef<Item[]>([]);

  const update = (item: Item, patch: Partial<Item>) => {
    Object.assign(item, patch);
    setItems((list) => [...list]);
  };

  const remember = () => {
    const left = queue.current.filter((i) => i.state !== 'done' && i.state !== 'skipped').map((i) => i.file.name);
    if (left.length > 0) localStorage.setItem(resumeKey(eventId), JSON.stringify(left));
    else localStorage.removeItem(resumeKey(eventId));
  };

  const uploadOne = async (item: Item, target: { id: string; upload: Parameters<typeof sendFile>[0] }) => {
    let upload = target.upload;
    for (let attempt = 1; ; attempt++) {
      try {
        update(item, { state: 'uploading', sent: 0, error: undefined });
        await sendFile(upload, item.file, (sent) => update(item, { sent }));
        await patiently([item], () => apollo.mutate({ mutation: CompleteUploadsDocument, variables: { photoIds: [target.id] } }));
        update(item, { state: 'done', sent: item.file.size });
        return;
      } catch (err) {
        if (!isNetworkError(err) || attempt >= 6) throw err;
        update(item, { state: 'waiting', error: err });
        await whenOnline();
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1000 * 2 ** attempt)));
        // An expired or lost link: the photo is still PENDING, so asking again gives a new one.
        const { data } = await apollo.mutate({ mutation: RequestUploadsDocument, variables: { eventId, files: [{ filename: item.file.name, contentType: item.contentType, byteSize: item.file.size, sha256: item.hash }] } });
        upload = data!.requestPhotoUploads[0]!.upload;
      }
    }
  };

  /** An API call that waits out a lost connection (the files stay "waiting") and tries again. */
  const patiently = async <T,>(items: Item[], call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!isNetworkError(err) || attempt >= 6) throw err;
        const before = items.map((i) => i.state);
        for (const item of items) update(item, { state: 'waiting', error: err });
        await whenOnline();
        await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt)));
        items.forEach((item, i) => update(item, { state: before[i]!, error: undefined }));
      }
    }
  };

  const run = async () => {
    if (running.current) return;
    running.current = true;
    try {
      for (;;) {
        const batch = queue.current.filter((i) => i.state === 'hashing').slice(0, BATCH);
        if (batch.length === 0) break;
        try {
          for (const item of batch) item.hash = await sha256(item.file);
          const hashes = batch.map((i) => i.hash!);
          const { data: known } = await patiently(batch, () => apollo.query({ query: PhotosByHashDocument, variables: { eventId, sha256: hashes }, fetchPolicy: 'network-only' }));
          const present = new Set((known?.photosByHash ?? []).filter((p) => p.status !== 'PENDING').map((p) => p.sha256));
          const fresh: Item[] = [];
          const seen = new Set<string>();
          for (const item of batch) {
            if (present.has(item.hash!) || seen.has(item.hash!)) update(item, { state: 'skipped' });
            else {
              seen.add(item.hash!);
              fresh.push(item);
            }
          }
          if (fresh.length > 0) {
            const { data } = await patiently(fresh, () =>
              apollo.mutate({
                mutation: RequestUploadsDocument,
                variables: { eventId, files: fresh.map((i) => ({ filename: i.file.name, contentType: i.contentType, byteSize: i.file.size, sha256: i.hash })) },
              }),
            );
            onQueued();
            const targets = data!.requestPhotoUploads;
            let next = 0;
            const worker = async () => {
              while (next < fresh.length) {
                const index = next++;
                const item = fresh[index]!;
                const target = targets[index]!;
                await uploadOne(item, { id: target.photo.id, upload: target.upload }).catch((err: unknown) => update(item, { state: 'failed', error: err }));
                remember();
              }
            };
            await Promise.all(Array.from({ length: Math.min(PARALLEL, fresh.length) }, worker));
          }
        } catch (err) {
          for (const item of batch) if (item.state === 'hashing' || item.state === 'waiting') update(item, { state: 'failed', error: err });
        }
        remember();
      }
    } finally {
      running.current = false;
      remember();
      setUnfinished(JSON.parse(localStorage.getItem(resumeKey(eventId)) ?? '[]').length);
    }
  };

  const add = (files: File[]) => {
    const refused: string[] = [];
    const fresh: Item[] = [];
    for (const file of files) {
      const contentType = typeOf(file);
      if (!contentType) {
        if (!file.name.startsWith('.')) refused.push(file.name);
        continue;
      }
      fresh.push({ key: `${file.webkitRelativePath || file.name}:${file.size}:${Math.random()}`, file, contentType, state: 'hashing', sent: 0 });
    }
    setRejected(refused);
    // A new upload after the last one finished starts a fresh list and fresh counts.
    if (!running.current) queue.current = [];
    queue.current.push(...fresh);
    setItems([...queue.current]);
    remember();
    void run();
  };

  const drop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
    const files = entries.length > 0 ? (await Promise.all(entries.map(filesOf))).flat() : [...e.dataTransfer.files];
    add(files);
  };

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (running.current) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);

  const total = items.reduce((sum, i) => sum + i.file.size, 0);
  const sent = items.reduce((sum, i) => sum + (i.state === 'done' || i.state === 'skipped' ? i.file.size : i.sent), 0);
  const counts = items.reduce<Record<State, number>>((c, i) => ({ ...c, [i.state]: c[i.state] + 1 }), { hashing: 0, waiting: 0, uploading: 0, done: 0, skipped: 0, failed: 0 });
  const visible = items.filter((i) => i.state !== 'done' && i.state !== 'skipped').concat(items.filter((i) => i.state === 'done' || i.state === 'skipped')).slice(0, 100);

  return (
    <section className="card" aria-labelledby="upload-h">
      <h2 id="upload-h">{t('upload.title')}</h2>
      {unfinished > 0 && items.length === 0 && <p className="notice-box">{t('upload.resume', { count: unfinished })}</p>}
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void drop(e)}
      >
        <p>{t('upload.drop')}</p>
        <div className="row">
          <label className="button">
            {t('upload.chooseFiles')}
            <input type="file" multiple accept="image/*,.heic,.heif" className="visually-hidden" onChange={(e) => (add([...(e.target.files ?? [])]), (e.target.value = ''))} />
          </label>
          <label className="button secondary">
            {t('upload.chooseFolder')}
            <input type="file" multiple className="visually-hidden" {...({ webkitdirectory: '' } as object)} onChange={(e) => (add([...(e.target.files ?? [])]), (e.target.value = ''))} />
          </label>
        </div>
      </div>
      {rejected.length > 0 && (
        <p className="error" role="alert">
          {t('upload.notPhotos', { count: rejected.length, names: rejected.slice(0, 3).join(', ') })}
        </p>
      )}
      {items.length > 0 && (
        <div className="stack" aria-live="polite">
          <Progress label={t('upload.overall', { done: counts.done + counts.skipped, total: items.length })} value={sent} max={total} />
          <p className="muted">{t('upload.summary', counts)}</p>
          <ul className="upload-list" aria-label={t('upload.files')}>
            {visible.map((item) => (
              <li key={item.key} data-state={item.state}>
                <span className="name">{item.file.webkitRelativePath || item.file.name}</span>
                {item.state === 'uploading' ? (
                  <progress value={item.sent} max={item.file.size} aria-label={t('upload.fileProgress', { name: item.file.name })} />
                ) : (
                  <span className={`state state-${item.state}`}>{t(`upload.state.${item.state}`)}</span>
                )}
                {item.error !== undefined && (item.state === 'failed' || item.state === 'waiting') && <span className="error">{errorSentence(item.error, t)}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
