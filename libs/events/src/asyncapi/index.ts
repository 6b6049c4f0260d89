// The AsyncAPI catalog's public surface (re-exported by the package index).
export { EventCatalog } from './event-catalog';
export type { AsyncApiOptions } from './asyncapi.options';
export type {
  AsyncApiChannel,
  AsyncApiDocument,
  AsyncApiMessage,
  AsyncApiOperation,
  AsyncApiRef,
  AsyncApiServer,
  JsonSchema,
} from './asyncapi.document';
