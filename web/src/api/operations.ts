import { graphql } from '../gql';

/** What every sign-in answer gives the app: the token, when it ends, and who signed in. */
export const SessionFieldsFragmentDoc = graphql(`
  fragment SessionFields on AuthPayload {
    token
    expiresAt
    user {
      id
      email
      displayName
      role
    }
  }
`);

/** A signed upload target, as sendFile() needs it (PUT with headers, or POST with fields). */
export const UploadTargetFragmentDoc = graphql(`
  fragment UploadTarget on PresignedUpload {
    url
    method
    headers {
      key
      value
    }
    fields {
      key
      value
    }
  }
`);

export const RefreshSessionDocument = graphql(`
  mutation RefreshSession {
    refreshSession {
      ...SessionFields
    }
  }
`);

/** Guests have no password: this mails them a link that signs them in. */
export const RequestSignInLinkDocument = graphql(`
  mutation RequestSignInLink($email: String!) {
    requestSignInLink(email: $email)
  }
`);
