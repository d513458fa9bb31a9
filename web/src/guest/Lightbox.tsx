import { useMutation } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { editMyPhotos } from '../api/cache';
import { graphql } from '../gql';
import type { GalleryPhotoFragment } from '../gql/graphql';
import { ErrorText } from '../ui/kit';

const RejectMatchDocument = graphql(`
  mutation RejectMatch($photoId: ID!) {
    rejectMatch(photoId: $photoId)
  }
`);

/**
 * One photo, large: previous and next by button, arrow keys or swipe;
 * Escape closes (a native modal dialog keeps focus inside). Download, share
 * where the browser can, and "not me".
 */
export function Lightbox(props: { photos: GalleryPhotoFragment[]; index: number; onIndex: (i: number) => void; onClose: () => void; eventId: string }) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  const start = useRef<number | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const photo = props.photos[props.index]!;
  const [reject, { loading: rejecting }] = useMutation(RejectMatchDocument);
  const canShare = typeof navigator.share === 'function' && typeof navigator.canShare === 'function';

  useEffect(() => {
    const node = dialog.current;
    if (node && !node.open) node.showModal();
  }, []);
  useEffect(() => setFailure(null), [photo.id]);

  const go = (step: number) => {
    const next = props.index + step;
    if (next >= 0 && next < props.photos.length) props.onIndex(next);
  };

  const notMe = async () => {
    try {
      await reject({
        variables: { photoId: photo.id },
        update: (cache) => {
          // Shown to everyone: it stays in the general tab, no longer as "you"; otherwise it leaves the gallery.
          if (photo.showInGeneral) {
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
        {photo.displayUrl && <img src={photo.displayUrl} alt={photo.originalFilename} draggable={false} />}
      </div>
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
        {photo.myMatch && (
          <button type="button" className="secondary" onClick={() => void notMe()} disabled={rejecting}>
            {t('lightbox.notMe')}
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
