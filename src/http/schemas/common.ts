import { Type } from 'typebox';

// Shapes shared by every route's schema; the OpenAPI document is generated from these.

export const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer> | ReturnType<typeof Type.Number>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds' });
export const Tags = Type.Record(Type.String(), Type.String(), { description: 'Free key → value labels, filterable with tag[K]=V' });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'INVALID_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, …_NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE, VALIDATION_FAILED, RATE_LIMITED, INTERNAL, SERVICE_UNAVAILABLE (503, storage not answering), STORAGE_FULL (503, the database is out of disk space; both with Retry-After)' }),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    }),
    meta: Type.Object({ request_id: Type.String() }),
  },
  { $id: 'Error', description: 'Every error, on every route' },
);

export const ListMeta = Type.Object({
  request_id: Type.String(),
  has_more: Type.Boolean(),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  total: Type.Optional(Type.Integer()),
  page: Type.Optional(Type.Integer()),
  page_size: Type.Optional(Type.Integer()),
  pages: Type.Optional(Type.Integer()),
});

/** `{data: [...], meta}` of a list. */
export const ListOf = (item: ReturnType<typeof Type.Object>) => Type.Object({ data: Type.Array(item), meta: ListMeta });

/** The paging parameters every list accepts (documented; parsed by src/http/query-parser.ts). */
export const PagingQuery = {
  limit: Type.Optional(Type.String({ description: 'Cursor mode page size, 1–500, default 50' })),
  cursor: Type.Optional(Type.String({ description: 'meta.next_cursor of the previous page; bound to the same filters and sort' })),
  page: Type.Optional(Type.String({ description: 'Page mode: 1-based page number (answers meta.total and meta.pages)' })),
  page_size: Type.Optional(Type.String({ description: 'Page mode page size, 1–500' })),
  count: Type.Optional(Type.String({ description: 'true adds meta.total in cursor mode' })),
  sort: Type.Optional(Type.String({ description: 'Comma-separated fields, - prefix for descending; default -created_at' })),
  fields: Type.Optional(Type.String({ description: 'Comma-separated fields to return; id is always kept' })),
};

/** A querystring schema that documents the parameters but leaves checking to the parser (exact 400s). */
export const QueryOf = (properties: Record<string, ReturnType<typeof Type.Optional>>) =>
  Type.Object({ ...PagingQuery, ...properties }, { additionalProperties: true });

export const IdParams = (name: string, prefix: string) =>
  Type.Object({ [name]: Type.String({ description: `${prefix}_ followed by 32 hex digits` }) });

/** Standard responses of a route that needs a key. */
export const AuthErrors = { 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse };
