import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { graphql } from '../gql';
import type { EventSettingsFieldsFragment, OriginalsPolicy } from '../gql/graphql';
import { ErrorText, TextField } from '../ui/kit';

const UpdateEventDocument = graphql(`
  mutation UpdateEvent($id: ID!, $input: UpdateEventInput!) {
    updateEvent(id: $id, input: $input) {
      id
      name
      date
      faceDataExpiresOn
      wallUrl
      settings {
        ...EventSettingsFields
      }
    }
  }
`);

/** The settings form's fields, read by the event page and written back here. */
export const EventSettingsFieldsFragmentDoc = graphql(`
  fragment EventSettingsFields on EventSettings {
    publicGallery
    guestApproval
    originalsPolicy
    matchThreshold
    faceRetentionDays
    wall
  }
`);

interface EventSettingsView {
  id: string;
  name: string;
  date: string;
  settings: EventSettingsFieldsFragment;
}

export function Settings({ event }: { event: EventSettingsView }) {
  const { t } = useTranslation();
  const [name, setName] = useState(event.name);
  const [date, setDate] = useState(event.date);
  const [publicGallery, setPublicGallery] = useState(event.settings.publicGallery);
  const [guestApproval, setGuestApproval] = useState(event.settings.guestApproval);
  const [originals, setOriginals] = useState<OriginalsPolicy>(event.settings.originalsPolicy);
  const [threshold, setThreshold] = useState(event.settings.matchThreshold?.toString() ?? '');
  const [retention, setRetention] = useState(event.settings.faceRetentionDays.toString());
  const [wall, setWall] = useState(event.settings.wall);
  const [failure, setFailure] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [update, { loading }] = useMutation(UpdateEventDocument);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(null);
    setSaved(false);
    try {
      await update({
        variables: {
          id: event.id,
          input: {
            name: name.trim(),
            date,
            settings: { publicGallery, guestApproval, wall, originalsPolicy: originals, faceRetentionDays: Number(retention), ...(threshold.trim() ? { matchThreshold: Number(threshold) } : {}) },
          },
        },
      });
      setSaved(true);
    } catch (err) {
      setFailure(err);
    }
  };

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="settings-h">
      <h2 id="settings-h">{t('settings.title')}</h2>
      <TextField label={t('events.name')} name="name" value={name} onChange={setName} required />
      <TextField label={t('events.date')} name="date" type="date" value={date} onChange={setDate} required />
      <label className="check">
        <input type="checkbox" checked={publicGallery} onChange={(e) => setPublicGallery(e.target.checked)} />
        {t('settings.publicGallery')}
      </label>
      <label className="check">
        <input type="checkbox" checked={guestApproval} onChange={(e) => setGuestApproval(e.target.checked)} />
        {t('events.approval')}
      </label>
      <label className="check">
        <input type="checkbox" checked={wall} onChange={(e) => setWall(e.target.checked)} aria-describedby="wall-hint" />
        {t('settings.wall')}
      </label>
      <p className="hint" id="wall-hint">
        {t('settings.wallHint')}
      </p>
      <div className="field">
        <label htmlFor="originals">{t('settings.originals')}</label>
        <select id="originals" value={originals} onChange={(e) => setOriginals(e.target.value as OriginalsPolicy)}>
          <option value="STRIPPED">{t('settings.stripped')}</option>
          <option value="UNTOUCHED">{t('settings.untouched')}</option>
        </select>
      </div>
      <TextField label={t('settings.threshold')} name="threshold" type="number" value={threshold} onChange={setThreshold} hint={t('settings.thresholdHint')} inputMode="numeric" />
      <TextField label={t('settings.retention')} name="retention" type="number" value={retention} onChange={setRetention} required inputMode="numeric" />
      <ErrorText error={failure} />
      <p role="status">{saved ? t('settings.saved') : ''}</p>
      <button type="submit" disabled={loading}>
        {t('settings.save')}
      </button>
    </form>
  );
}
