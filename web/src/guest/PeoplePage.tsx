import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { graphql } from '../gql';
import { ConfirmButton, ErrorText, Loading, TextField } from '../ui/kit';

const PeopleDocument = graphql(`
  query People {
    myPeople {
      id
      name
      isMe
      selfies {
        id
        status
        uploadedAt
        message
      }
    }
    privacyPolicy {
      guardianConsentVersion
      guardianConsentText
    }
  }
`);

const AddPersonDocument = graphql(`
  mutation AddPerson($input: AddPersonInput!) {
    addPerson(input: $input) {
      id
      name
      isMe
    }
  }
`);

const RemovePersonDocument = graphql(`
  mutation RemovePerson($id: ID!) {
    removePerson(id: $id)
  }
`);

const DeleteSelfieDocument = graphql(`
  mutation DeleteSelfie($id: ID!) {
    deleteSelfie(id: $id)
  }
`);

const MAX_PEOPLE = 4;
const MAX_SELFIES = 3;

/**
 * The people a guest looks for: themself with up to three selfies, and up to
 * four people without a phone (a child, a parent) added with a guardian's
 * consent, each with their own selfies. Removing one erases their face data.
 */
export default function PeoplePage() {
  const { eventId = '' } = useParams();
  const { t, i18n } = useTranslation();
  const { data, loading, error, refetch } = useQuery(PeopleDocument, { fetchPolicy: 'cache-and-network' });
  const [addPerson, adding] = useMutation(AddPersonDocument);
  const [removePerson, removing] = useMutation(RemovePersonDocument);
  const [deleteSelfie, deleting] = useMutation(DeleteSelfieDocument);
  const [name, setName] = useState('');
  const [consent, setConsent] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [added, setAdded] = useState<{ id: string; name: string } | null>(null);

  if (loading && !data) return <Loading />;
  if (error && !data) return <ErrorText error={error} />;
  const people = data?.myPeople ?? [];
  const policy = data?.privacyPolicy;
  const others = people.filter((p) => !p.isMe);

  const act = async (work: () => Promise<unknown>) => {
    setFailure(null);
    try {
      await work();
      await refetch();
    } catch (err) {
      setFailure(err);
    }
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!policy) return;
    await act(async () => {
      const { data: result } = await addPerson({ variables: { input: { name, consentVersion: policy.guardianConsentVersion } } });
      setAdded(result?.addPerson ?? null);
      setName('');
      setConsent(false);
    });
  };

  return (
    <div className="stack narrow">
      <p>
        <Link to={`/my/${eventId}`}>← {t('people.back')}</Link>
      </p>
      <h1>{t('people.title')}</h1>
      <p>{t('people.lead')}</p>
      <ErrorText error={failure} />
      {added && (
        <p className="found" role="status">
          {t('people.added', { name: added.name })}{' '}
          <Link to={`/selfie?event=${eventId}&person=${added.id}`}>{t('people.addSelfieOf', { name: added.name })}</Link>
        </p>
      )}
      <ul className="people">
        {people.map((person) => {
          const active = person.selfies.filter((s) => s.status === 'ACTIVE');
          return (
            <li key={person.id} className="card stack">
              <h2>{person.isMe ? t('people.me', { name: person.name }) : person.name}</h2>
              <p className="muted">{t('people.selfies', { count: active.length })}</p>
              {person.selfies.some((s) => s.status === 'REJECTED') && <p className="error">{person.selfies.find((s) => s.status === 'REJECTED')?.message}</p>}
              {active.length > 1 && (
                <ul className="selfie-list">
                  {active.map((selfie, i) => (
                    <li key={selfie.id} className="row">
                      <span>{t('people.selfieN', { n: i + 1, date: new Date(selfie.uploadedAt).toLocaleDateString(i18n.language) })}</span>
                      <button type="button" className="secondary" disabled={deleting.loading} onClick={() => void act(() => deleteSelfie({ variables: { id: selfie.id } }))}>
                        {t('people.deleteSelfie', { n: i + 1 })}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
              <div className="row">
                {active.length === 0 ? (
                  <Link className="button" to={`/selfie?event=${eventId}${person.isMe ? '' : `&person=${person.id}`}`}>
                    {person.isMe ? t('people.firstSelfie') : t('people.addSelfieOf', { name: person.name })}
                  </Link>
                ) : (
                  <Link className="button secondary" to={`/selfie?event=${eventId}&add=1${person.isMe ? '' : `&person=${person.id}`}`}>
                    {active.length >= MAX_SELFIES ? t('people.replaceOldest') : person.isMe ? t('people.anotherSelfie') : t('people.anotherSelfieOf', { name: person.name })}
                  </Link>
                )}
                {!person.isMe && (
                  <ConfirmButton
                    label={t('people.remove', { name: person.name })}
                    confirmLabel={t('people.removeConfirm')}
                    warning={t('people.removeWarning', { name: person.name })}
                    busy={removing.loading}
                    onConfirm={() => act(() => removePerson({ variables: { id: person.id } }))}
                  />
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {others.length < MAX_PEOPLE ? (
        <form className="card stack" onSubmit={(e) => void submit(e)} aria-labelledby="add-person-h">
          <h2 id="add-person-h">{t('people.addTitle')}</h2>
          <p>{t('people.addLead')}</p>
          <TextField label={t('people.name')} name="person-name" value={name} onChange={setName} required />
          {policy && (
            <label className="check">
              <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} required />
              <span>{policy.guardianConsentText}</span>
            </label>
          )}
          <button type="submit" disabled={adding.loading || !consent || name.trim().length === 0}>
            {adding.loading ? t('people.adding') : t('people.add')}
          </button>
        </form>
      ) : (
        <p className="muted">{t('people.full', { count: MAX_PEOPLE })}</p>
      )}
    </div>
  );
}
