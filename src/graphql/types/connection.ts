import { Field, Int, ObjectType, type ClassType } from 'type-graphql';

@ObjectType('PageInfo', { description: 'Where a page sits in its list.' })
export class PageInfoType {
  @Field({ description: 'More items follow.' })
  hasNextPage!: boolean;

  @Field({ description: 'Items come before this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { description: 'Cursor of the first item.', nullable: true })
  startCursor!: string | null;

  @Field(() => String, { description: 'Pass as `after` for the next page.', nullable: true })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfoType;
  totalCount: number;
}

/** A Relay connection type `<Name>Connection` with `<Name>Edge`. */
export function Connection<T extends object>(name: string, node: ClassType<T>) {
  @ObjectType(`${name}Edge`, { description: `One ${name} of a page, with its cursor.` })
  class Edge {
    @Field({ description: 'Pass as `after` to continue after this item.' })
    cursor!: string;

    @Field(() => node, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (Relay connection).` })
  class ConnectionType implements ConnectionShape<T> {
    @Field(() => [Edge], { description: 'The items of this page, in order.' })
    edges!: Edge[];

    @Field(() => PageInfoType, { description: 'Where this page sits.' })
    pageInfo!: PageInfoType;

    @Field(() => Int, { description: 'Items in the whole list.' })
    totalCount!: number;
  }
  return ConnectionType;
}

/** Maps a service page to the GraphQL connection shape. */
export function toConnection<T>(page: {
  edges: { cursor: string; node: T }[];
  totalCount: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}): ConnectionShape<T> {
  return {
    edges: page.edges,
    totalCount: page.totalCount,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.edges[0]?.cursor ?? null,
      endCursor: page.edges.at(-1)?.cursor ?? null,
    },
  };
}
