/** A JSON Schema (AsyncAPI's default schema format is a superset of JSON Schema Draft 07). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** A reference to a component of the same document. */
export interface AsyncApiRef {
  readonly $ref: string;
}

/** One message: one event type at one version. */
export interface AsyncApiMessage {
  readonly name: string;
  readonly title: string;
  readonly summary?: string;
  readonly contentType: string;
  /** The shared envelope (`allOf`), with the type's payload schema as `data`. */
  readonly payload: JsonSchema;
  /** What a transport carries beside the body (id, type, correlation id, trace context). */
  readonly headers: JsonSchema | AsyncApiRef;
  readonly correlationId: { readonly location: string; readonly description?: string };
  readonly [extension: `x-${string}`]: unknown;
}

export interface AsyncApiChannel {
  /** Null when the address is dynamic or cannot be written as one (Redis hash tags use braces). */
  readonly address: string | null;
  readonly title?: string;
  readonly description?: string;
  readonly messages: Readonly<Record<string, AsyncApiRef>>;
  readonly servers?: readonly AsyncApiRef[];
  readonly [extension: `x-${string}`]: unknown;
}

export interface AsyncApiOperation {
  readonly action: 'send' | 'receive';
  readonly channel: AsyncApiRef;
  readonly title?: string;
  readonly summary?: string;
  readonly messages: readonly AsyncApiRef[];
  readonly [extension: `x-${string}`]: unknown;
}

export interface AsyncApiServer {
  readonly host: string;
  readonly protocol: string;
  readonly description?: string;
  readonly [extension: `x-${string}`]: unknown;
}

/** An AsyncAPI 3 document, as `EventCatalog.asyncApi()` builds it. */
export interface AsyncApiDocument {
  readonly asyncapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  readonly defaultContentType: string;
  readonly servers?: Readonly<Record<string, AsyncApiServer>>;
  readonly channels: Readonly<Record<string, AsyncApiChannel>>;
  readonly operations: Readonly<Record<string, AsyncApiOperation>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly messages: Readonly<Record<string, AsyncApiMessage>>;
  };
}
