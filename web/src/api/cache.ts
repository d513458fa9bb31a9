import type { ApolloCache, Reference } from '@apollo/client';

interface StoredConnection {
  edges?: { __typename?: string; cursor?: string; node: Reference }[];
  totalCount?: number;
}

/**
 * Edits the guest's own cached myPhotos lists (every event's, or one event's)
 * in place: a live new photo goes on top, a "not me" photo leaves, without a
 * refetch. The lists of people they look for (personIds) are read again instead.
 */
export function editMyPhotos(
  cache: ApolloCache,
  eventId: string | null,
  edit: (connection: StoredConnection, readId: (ref: Reference) => string | undefined) => StoredConnection,
): void {
  cache.modify({
    fields: {
      myPhotos(value, { storeFieldName, readField }) {
        const connection = value as StoredConnection;
        if ((eventId && !storeFieldName.includes(eventId)) || storeFieldName.includes('"personIds"') || !connection.edges) return value;
        return edit(connection, (ref) => readField<string>('id', ref)) as typeof value;
      },
    },
  });
}
