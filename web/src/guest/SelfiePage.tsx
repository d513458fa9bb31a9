import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { downscale, sendFile } from '../api/upload';
import { graphql } from '../gql';
import { ErrorText, Progress } from '../ui/kit';

const RequestSelfieDocument = graphql(`
  mutation RequestSelfieUpload($input: UploadFileInput!, $personId: ID, $add: Boolean) {
    requestSelfieUpload(input: $input, personId: $personId, add: $add) {
      id
      upload {
        ...UploadTarget
      }
    }
  }
`);

const CompleteSelfieDocument = graphql(`
  mutation CompleteSelfieUpload($id: ID!) {
    completeSelfieUpload(id: $id) {
      id
      status
    }
  }
`);

const RematchProgressDocument = graphql(`
  subscription RematchProgress {
    rematchProgress {
      job {
        id
        status
        processed
        total
        matched
        message
      }
    }
  }
`);

const phone = () => window.matchMedia('(pointer: coarse)').matches;

/** A live camera preview for desktops, captured to a JPEG blob. */
function CameraPreview({ onCapture, onClose }: { onCapture: (blob: Blob) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let stream: MediaStream | null = null;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'user', width: { ideal: 1280 } }, audio: false })
      .then((s) => {
        stream = s;
        if (video.current) video.current.srcObject = s;
      })
      .catch(() => setFailed(true));
    return () => stream?.getTracks().forEach((track) => track.stop());
  }, []);
  const capture = () => {
    const v = video.current;
    if (!v || !v.videoWidth) return;
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')!.drawImage(v, 0, 0);
    canvas.toBlob((b) => b && onCapture(b), 'image/jpeg', 0.92);
  };
  if (failed) return <p className="error" role="alert">{t('selfie.cameraFailed')}</p>;
  return (
    <div className="camera">
      <video ref={video} autoPlay playsInline muted aria-label={t('selfie.preview')} />
      <div className="row">
        <button type="button" onClick={capture}>
          {t('selfie.capture')}
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}

type Stage = { kind: 'idle' } | { kind: 'uploading' } | { kind: 'matching'; jobId: string } | { kind: 'refused'; message: string };

const PersonNameDocument = graphql(`
  query SelfiePerson {
    myPeople {
      id
      name
      isMe
    }
  }
`);

/**
 * One selfie (of the guest, or of someone they added with ?person=; with
 * ?add=1 it joins their other selfies): the front camera on phones, a live preview or a file on
 * desktops; made small in the browser, sent straight to storage, then the
 * search through the event's photos followed live until the gallery opens.
 */
export function SelfiePage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const eventId = params.get('event');
  const personId = params.get('person');
  const add = params.get('add') === '1';
  const people = useQuery(PersonNameDocument, { skip: !personId });
  const person = personId ? people.data?.myPeople.find((p) => p.id === personId && !p.isMe) : undefined;
  const navigate = useNavigate();
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [failure, setFailure] = useState<unknown>(null);
  const [camera, setCamera] = useState(false);
  const [preview, setPreview] = useState<string | null>(null);
  const [requestUpload] = useMutation(RequestSelfieDocument);
  const [complete] = useMutation(CompleteSelfieDocument);
  const { data: progress } = useSubscription(RematchProgressDocument, { skip: stage.kind !== 'matching' });
  const job = stage.kind === 'matching' && progress?.rematchProgress.job.id === stage.jobId ? progress.rematchProgress.job : null;

  useEffect(() => {
    if (!job) return;
    if (job.status === 'DONE') void navigate(eventId ? `/my/${eventId}?found=${job.matched}${person ? `&person=${person.id}` : ''}` : '/', { replace: true });
    if (job.status === 'VALIDATION_FAILED') setStage({ kind: 'refused', message: job.message ?? t('selfie.refused') });
    if (job.status === 'FAILED') setStage({ kind: 'refused', message: t('selfie.failed') });
  }, [job, eventId, navigate, t]);

  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);

  const send = async (file: Blob) => {
    setCamera(false);
    setFailure(null);
    setStage({ kind: 'uploading' });
    try {
      // A format the browser cannot draw (HEIC on some desktops) goes as it is: the server converts it.
      const small = await downscale(file).catch(() => file);
      const contentType = small === file ? file.type || 'image/jpeg' : 'image/jpeg';
      setPreview(URL.createObjectURL(small));
      const { data } = await requestUpload({
        variables: { input: { filename: small === file && file instanceof File ? file.name : 'selfie.jpg', contentType, byteSize: small.size }, personId: personId ?? null, add },
      });
      const target = data!.requestSelfieUpload;
      await sendFile(target.upload, small);
      const { data: done } = await complete({ variables: { id: target.id } });
      setStage({ kind: 'matching', jobId: done!.completeSelfieUpload.id });
    } catch (err) {
      setFailure(err);
      setStage({ kind: 'idle' });
    }
  };

  const busy = stage.kind === 'uploading' || stage.kind === 'matching';
  return (
    <div className="stack narrow">
      <h1>{person ? t('selfie.titleOf', { name: person.name }) : add ? t('selfie.titleAnother') : t('selfie.title')}</h1>
      <p>{person ? t('selfie.leadOf', { name: person.name }) : add ? t('selfie.leadAnother') : t('selfie.lead')}</p>
      {preview && <img className="selfie-preview" src={preview} alt={t('selfie.yours')} />}
      {stage.kind === 'refused' && (
        <p className="error" role="alert">
          {stage.message}
        </p>
      )}
      <ErrorText error={failure} />
      {stage.kind === 'uploading' && <Progress label={t('selfie.sending')} value={0} max={0} />}
      {stage.kind === 'matching' && (
        <div role="status" className="stack">
          <Progress label={t('selfie.searching')} value={job?.processed ?? 0} max={job?.total ?? 0} />
          <p>{job ? t('selfie.progress', { processed: job.processed, total: job.total, matched: job.matched }) : t('selfie.queued')}</p>
        </div>
      )}
      {!busy &&
        (camera ? (
          <CameraPreview onCapture={(b) => void send(b)} onClose={() => setCamera(false)} />
        ) : (
          <div className="row">
            {/* No live preview outside a secure context (plain http on a network address): the file input still opens the camera. */}
            {!phone() && typeof navigator.mediaDevices?.getUserMedia === 'function' && (
              <button type="button" onClick={() => setCamera(true)}>
                {t('selfie.useCamera')}
              </button>
            )}
            <label className="button file-button">
              {phone() ? t('selfie.takePhoto') : t('selfie.chooseFile')}
              <input
                type="file"
                accept="image/*"
                {...(phone() ? { capture: 'user' as const } : {})}
                className="visually-hidden"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = '';
                  if (file) void send(file);
                }}
              />
            </label>
          </div>
        ))}
      <p className="hint">{t('selfie.tips')}</p>
    </div>
  );
}
