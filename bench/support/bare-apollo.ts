/**
 * The comparison floor of bench/load: a bare Apollo Server (no database, no
 * auth) answering `myPhotos` with a constant page of 50 photos shaped like FindMe's.
 *
 *   node dist/bench/support/bare-apollo.js <port>
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const typeDefs = `#graphql
  type Box { left: Float! top: Float! width: Float! height: Float! }
  type PhotoMatch { similarity: Float! box: Box! }
  type Photo { id: ID! originalFilename: String! width: Int height: Int thumbnailUrl: String showInGeneral: Boolean! myMatch: PhotoMatch }
  type PhotoEdge { cursor: String! node: Photo! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type PhotoConnection { totalCount: Int! edges: [PhotoEdge!]! pageInfo: PageInfo! }
  type Query { myPhotos(eventId: ID!, first: Int): PhotoConnection! }
`;

const page = {
  totalCount: 50,
  edges: Array.from({ length: 50 }, (_, i) => ({
    cursor: Buffer.from(`cursor-${i}`).toString('base64url'),
    node: {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      originalFilename: `IMG_${i}.jpg`,
      width: 6000,
      height: 4000,
      thumbnailUrl: `http://127.0.0.1/storage/bench/thumb.webp?expires=1&signature=${'x'.repeat(43)}`,
      showInGeneral: false,
      myMatch: { similarity: 80, box: { left: 0.4, top: 0.3, width: 0.1, height: 0.15 } },
    },
  })),
  pageInfo: { hasNextPage: true, endCursor: 'end' },
};

const server = new ApolloServer({ typeDefs, resolvers: { Query: { myPhotos: () => page } } });
const port = Number(process.argv[2] ?? 4100);
await startStandaloneServer(server, { listen: { port, host: '127.0.0.1' } });
console.log('ready');
