import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorSentence } from '../api/errors';

/** An API error as a sentence, announced, next to what caused it. */
export function ErrorText({ error, id, overrides }: { error: unknown; id?: string; overrides?: Record<string, string> }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <p className="error" role="alert" id={id}>
      {errorSentence(error, t, overrides)}
    </p>
  );
}

/** A designed loading state: announced politely, never a blank screen. */
export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label ?? t('common.loading')}</span>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** A labelled text input whose error is described by the message under it. */
export function TextField(props: {
  label: string;
  name: string;
  type?: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  autoComplete?: string;
  hint?: string;
  minLength?: number;
  inputMode?: 'text' | 'email' | 'numeric';
  autoFocus?: boolean;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        autoComplete={props.autoComplete}
        minLength={props.minLength}
        inputMode={props.inputMode}
        autoFocus={props.autoFocus}
        aria-describedby={hintId}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint && (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** A progress bar with its label and a text value for screen readers. */
export function Progress({ label, value, max }: { label: string; value: number; max: number }) {
  const id = useId();
  const percent = max > 0 ? Math.round((value / max) * 100) : 0;
  return (
    <div className="progress">
      <label htmlFor={id}>{label}</label>
      <progress id={id} value={value} max={max || 1} aria-valuetext={`${percent}%`}>
        {percent}%
      </progress>
    </div>
  );
}

/**
 * A destructive action that asks once more, inline (no browser dialog): the
 * first press shows what will be erased and a confirm button.
 */
export function ConfirmButton(props: { label: string; confirmLabel: string; warning: string; onConfirm: () => Promise<unknown> | void; busy?: boolean }) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <div className="confirm" role="group" aria-label={props.label}>
      <p>{props.warning}</p>
      <button type="button" className="danger" disabled={props.busy} onClick={() => void props.onConfirm()} autoFocus>
        {props.confirmLabel}
      </button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        {t('common.cancel')}
      </button>
    </div>
  );
}

/** The next page of a connection, for lists that grow on request (the pages keep what they have). */
export function MoreButton({ pageInfo, fetchMore, loading }: { pageInfo: { hasNextPage: boolean; endCursor?: string | null } | undefined; fetchMore: (options: { variables: { after: string | null } }) => Promise<unknown>; loading?: boolean }) {
  const { t } = useTranslation();
  if (!pageInfo?.hasNextPage) return null;
  return (
    <button type="button" className="secondary" disabled={loading} onClick={() => void fetchMore({ variables: { after: pageInfo.endCursor ?? null } })}>
      {loading ? t('common.loading') : t('gallery.more')}
    </button>
  );
}

/** Starts the download of a URL that answers with an attachment, without leaving the page. */
export function download(url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

export function formatDate(date: string, language: string): string {
  return new Date(`${date.slice(0, 10)}T12:00:00Z`).toLocaleDateString(language, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

/**
 * One action a person starts (save, erase, delete): whether it runs, whether
 * it went through, and why not, for the page to say next to its button.
 */
export function useAction(work: () => Promise<unknown>): { run: () => Promise<void>; busy: boolean; done: boolean; failure: unknown } {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const run = async () => {
    setFailure(null);
    setDone(false);
    setBusy(true);
    try {
      await work();
      setDone(true);
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, done, failure };
}
