/**
 * Names for the API shapes the dashboard shows, all taken from the generated client types
 * (src/client/schema.d.ts): nothing here is a hand-written copy of the contract.
 */
import type { paths } from '../../../src/client/index.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type Ok<Path extends keyof paths, Method extends 'get' | 'post'> = paths[Path][Method] extends { responses: infer R }
  ? R extends { 200: infer A } ? JsonOf<A> : R extends { 201: infer B } ? JsonOf<B> : R extends { 202: infer C } ? JsonOf<C> : never
  : never;

export type LogEntry = Ok<'/v1/logs', 'get'>['data'][number];
export type LogDetail = Ok<'/v1/logs/{id}', 'get'>;
export type LogQuery = NonNullable<paths['/v1/logs']['get']['parameters']['query']>;
export type Endpoint = Ok<'/v1/endpoints/{id}', 'get'>;
export type EndpointCreate = paths['/v1/endpoints']['post']['requestBody']['content']['application/json'];
export type EndpointPatch = NonNullable<paths['/v1/endpoints/{id}']['patch']['requestBody']>['content']['application/json'];
export type EndpointStats = Ok<'/v1/endpoints/{id}/stats', 'get'>;
export type EventItem = Ok<'/v1/events', 'get'>['data'][number];
export type EventDetail = Ok<'/v1/events/{id}', 'get'>;
export type Delivery = Ok<'/v1/deliveries', 'get'>['data'][number];
export type ListMeta = Ok<'/v1/logs', 'get'>['meta'];
