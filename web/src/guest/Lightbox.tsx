import { useMutation } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { editMyPhotos } from '../api/cache';
import { graphql } from '../gql';
import type { GalleryPhotoFragment } from '../gql/graphql';
import { ErrorText } from '../ui/kit';

const RejectMatchDocument = graphql(`
  mutation RejectMatch($photoId: ID!, $personId: ID) {
    rejectMatch(photoId: $photoId, personId: $personId)
  }
`);

const ClaimFaceDocument = graphql(`
  mutation ClaimFace($photoId: ID!, $faceIndex: Int!, $personId: ID) {
    claimFace(photoId: $photoId, faceIndex: $faceIndex, personId: $personId) {
      ...GalleryPhoto
    }
  }
`);

interface LightboxPerson {
  id: string;
  name: string;
  isMe: boolean;
}

/**
 * One photo, large: previous and next by button, arrow keys or swipe;
 * Escape closes (a native modal dialog keeps focus inside). Download, share
 * where the browser can, "not me" (or not the person whose tab it is), and
 * "this is me": the faces outlined, one tapped becomes the guest's (or the
 * chosen person's).
 */
export function Lightbox(props: {
  photos: GalleryPhotoFragment[];
  index: number;
  onIndex: (i: number) => void;
  onClose: () => void;
  eventId: string;
  /** The people the guest looks for (the guest first). */
  people: LightboxPerson[];
  /** The added person whose tab is open; null: the guest's own photos. */
  person: LightboxPerson | null;
  /** A claim or "not me" changed what the gallery shows. */
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  const start = useRef<number | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [claiming, setClaiming] = useState(false);
  const [claimed, setClaimed] = useState<string | null>(null);
  const [whom, setWhom] = useState<string>(props.person?.id ?? props.people[0]?.id ?? '');
  const photo = props.photos[props.index]!;
  const [reject, { loading: rejecting }] = useMutation(RejectMatchDocument);
  const [claim, { loading: sending }] = useMutation(ClaimFaceDocument);
  const canShare = typeof navigator.share === 'function' && typeof navigator.canShare === 'function';
  const faces = photo.faces ?? [];
  const theirFace = props.person ? faces.some((f) => f.personId === props.person!.id) : Boolean(photo.myMatch);

  useEffect(() => {
    const node = dialog.current;
    if (node && !node.open) node.showModal();
  }, []);
  useEffect(() => {
    setFailure(null);
    setClaiming(false);
    setClaimed(null);
  }, [photo.id]);

  const claimFace = async (faceIndex: number) => {
    setFailure(null);
    const person = props.people.find((p) => p.id === whom) ?? props.people[0];
    try {
      await claim({ variables: { photoId: photo.id, faceIndex, personId: person && !person.isMe ? person.id : null } });
      setClaiming(false);
      setClaimed(person && !person.isMe ? t('lightbox.claimedOf', { name: person.name }) : t('lightbox.claimed'));
      props.onChanged();
    } catch (err) {
      setFailure(err);
    }
  };

  const go = (step: number) => {
    const next = props.index + step;
    if (next >= 0 && next < props.photos.length) props.onIndex(next);
  };

  const notMe = async () => {
    try {
      await reject({
        variables: { photoId: photo.id, personId: props.person?.id ?? null },
        update: (cache) => {
          // Another person's tab: it reads again. Shown to everyone: it stays in the general tab, no longer as "you"; otherwise it leaves the gallery.
          if (props.person) {
            props.onChanged();
          } else if (photo.showInGeneral) {
            cache.modify({ id: cache.identify({ __typename: 'Photo', id: photo.id }), fields: { myMatch: () => null } });
          } else {
            editMyPhotos(cache, null, (existing, readId) => {
              const edges = existing.edges!.filter((edge) => readId(edge.node) !== photo.id);
              return { ...existing, edges, totalCount: Math.max(0, (existing.totalCount ?? 0) - (existing.edges!.length - edges.length)) };
            });
          }
        },
      });
      if (props.photos.length <= 1) props.onClose();
      else if (props.index >= props.photos.length - 1) props.onIndex(props.index - 1);
    } catch (err) {
      setFailure(err);
    }
  };

  const share = async () => {
    try {
      const blob = await (await fetch(photo.displayUrl!)).blob();
      const file = new File([blob], photo.originalFilename.replace(/\.[^.]+$/, '') + '.jpg', { type: blob.type || 'image/jpeg' });
      if (navigator.canShare({ files: [file] })) await navigator.share({ files: [file], title: photo.originalFilename });
      else await navigator.share({ title: photo.originalFilename, url: photo.displayUrl! });
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'AbortError')) setFailure(err);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="lightbox"
      aria-label={t('lightbox.label', { name: photo.originalFilename, index: props.index + 1, count: props.photos.length })}
      onClose={props.onClose}
      onKeyDown={(e) => {
        if (e.key === 'ArrowRight') go(1);
        if (e.key === 'ArrowLeft') go(-1);
      }}
    >
      <div
        className="lightbox-stage"
        onPointerDown={(e) => (start.current = e.clientX)}
        onPointerUp={(e) => {
          if (start.current === null) return;
          const dx = e.clientX - start.current;
          start.current = null;
          if (Math.abs(dx) > 50) go(dx < 0 ? 1 : -1);
        }}
      >
        <div className="lightbox-photo">
          {photo.displayUrl && <img src={photo.displayUrl} alt={photo.originalFilename} draggable={false} />}
          {claiming &&
            faces.map((face) => {
              const known = props.people.find((p) => p.id === face.personId);
              return (
                <button
                  key={face.index}
                  type="button"
                  className={known ? 'face-outline known' : 'face-outline'}
                  style={{ left: `${face.box.left * 100}%`, top: `${face.box.top * 100}%`, width: `${face.box.width * 100}%`, height: `${face.box.height * 100}%` }}
                  aria-label={known ? t('lightbox.faceOf', { n: face.index + 1, name: known.isMe ? t('lightbox.me') : known.name }) : t('lightbox.face', { n: face.index + 1 })}
                  disabled={sending}
                  onPointerDown={(e) => e.stopPropagation()}
                  onPointerUp={(e) => e.stopPropagation()}
                  onClick={() => void claimFace(face.index)}
                />
              );
            })}
        </div>
      </div>
      {claiming && (
        <div className="claim-bar" role="group" aria-label={t('lightbox.claimLabel')}>
          <p>{t('lightbox.claimHint')}</p>
          {props.people.length > 1 && (
            <label>
              {t('lightbox.whose')}{' '}
              <select value={whom} onChange={(e) => setWhom(e.target.value)}>
                {props.people.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.isMe ? t('lightbox.me') : p.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" className="secondary" onClick={() => setClaiming(false)}>
            {t('common.cancel')}
          </button>
        </div>
      )}
      {claimed && (
        <p className="found" role="status">
          {claimed}
        </p>
      )}
      <div className="lightbox-bar">
        <button type="button" className="secondary" onClick={() => go(-1)} disabled={props.index === 0} aria-label={t('lightbox.previous')}>
          ‹
        </button>
        <span aria-hidden="true">
          {props.index + 1} / {props.photos.length}
        </span>
        <button type="button" className="secondary" onClick={() => go(1)} disabled={props.index >= props.photos.length - 1} aria-label={t('lightbox.next')}>
          ›
        </button>
        {photo.downloadUrl && (
          <a className="button secondary" href={photo.downloadUrl} download={photo.originalFilename}>
            {t('lightbox.download')}
          </a>
        )}
        {canShare && photo.displayUrl && (
          <button type="button" className="secondary" onClick={() => void share()}>
            {t('lightbox.share')}
          </button>
        )}
        {theirFace && (
          <button type="button" className="secondary" onClick={() => void notMe()} disabled={rejecting}>
            {props.person ? t('lightbox.notThem', { name: props.person.name }) : t('lightbox.notMe')}
          </button>
        )}
        {faces.length > 0 && !claiming && (
          <button type="button" className="secondary" onClick={() => setClaiming(true)}>
            {t('lightbox.thisIsMe')}
          </button>
        )}
        <button type="button" onClick={() => dialog.current?.close()} autoFocus>
          {t('lightbox.close')}
        </button>
      </div>
      <ErrorText error={failure} />
    </dialog>
  );
}
