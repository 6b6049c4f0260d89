import type { ListenerInfo } from '../bus/bus.interfaces';
import { compilePattern } from '../bus/pattern-matcher';
import type { TransportDescription } from '../bus/ports/event-transport.port';
import type { EventDefinition } from '../event/event-definition';
import { EVENT_CONTENT_TYPE } from '../event/event.codec';
import type {
  AsyncApiChannel,
  AsyncApiDocument,
  AsyncApiMessage,
  AsyncApiOperation,
  AsyncApiRef,
  AsyncApiServer,
} from './asyncapi.document';
import { envelopeSchema, headersSchema, HEADERS_REF, messagePayload } from './envelope-schema';
import { payloadSchemaOf } from './payload-schema';

type AnyDefinition = EventDefinition<unknown, unknown>;

/** What one service's document is made of. */
export interface CatalogInput {
  readonly info: { readonly title: string; readonly version: string; readonly description?: string };
  /** The service (the module's `source`): its consumer group on the transport. */
  readonly source: string;
  readonly definitions: readonly AnyDefinition[];
  readonly listeners: readonly ListenerInfo[];
  /** The remote transport, when events leave the process. */
  readonly transport: TransportDescription | undefined;
  /** Whether events of a type go through the transport. */
  readonly isDistributed: (definition: AnyDefinition) => boolean;
}

/** The channel of events that stay in the process. */
export const IN_PROCESS_CHANNEL = 'in-process';

/** One channel being filled: its description and the message keys routed to it. */
interface ChannelDraft {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly matches: (type: string) => boolean;
  readonly messages: Set<string>;
  readonly remote: boolean;
}

/**
 * Builds the AsyncAPI 3 document of one service: a message per declared type (the envelope around the payload's
 * JSON Schema), the transport's channels with the distributed types each carries (and one `in-process` channel
 * for the rest), a send operation per channel and a receive operation per listener and channel. Returns what it
 * could not document exactly as warnings.
 */
export function buildAsyncApi(input: CatalogInput): { document: AsyncApiDocument; warnings: string[] } {
  const warnings: string[] = [];
  const messages: Record<string, AsyncApiMessage> = {};
  const keyOf = new Map<string, string>();
  for (const definition of input.definitions) {
    const key = messageKey(definition);
    keyOf.set(definition.type, key);
    messages[key] = messageOf(definition, warnings);
  }
  const channels = channelDrafts(input);
  const channelOf = (definition: AnyDefinition, local: boolean): ChannelDraft =>
    (!local &&
      input.isDistributed(definition) &&
      channels.find((c) => c.remote && c.matches(definition.type))) ||
    channels[channels.length - 1];
  for (const definition of input.definitions)
    channelOf(definition, false).messages.add(keyOf.get(definition.type)!);
  const receive: Record<string, AsyncApiOperation> = {};
  for (const [name, listener] of groupListeners(input.listeners)) {
    const byChannel = new Map<ChannelDraft, string[]>();
    for (const definition of input.definitions.filter((d) => listener.matches(d.type))) {
      const channel = channelOf(definition, listener.local);
      const key = keyOf.get(definition.type)!;
      channel.messages.add(key);
      byChannel.set(channel, [...(byChannel.get(channel) ?? []), key]);
    }
    if (byChannel.size === 0)
      warnings.push(`listener ${name} (${listener.patterns.join(', ')}) takes no declared type`);
    for (const [channel, keys] of byChannel) {
      const id = byChannel.size === 1 ? `receive.${name}` : `receive.${name}.${channel.name}`;
      receive[operationKey(id)] = {
        action: 'receive',
        channel: ref('channels', channel.name),
        title: `${name} handles ${listener.patterns.join(', ')}`,
        messages: keys.map((key) => ref(`channels/${channel.name}/messages`, key)),
        'x-listener': {
          name,
          patterns: listener.patterns,
          priority: listener.priority,
          local: listener.local,
        },
      };
    }
  }
  // Sends last: a `local` listener may have added a distributed type to the in-process channel.
  const send: Record<string, AsyncApiOperation> = {};
  for (const channel of channels) {
    if (channel.messages.size === 0) continue;
    send[operationKey(`send.${channel.name}`)] = {
      action: 'send',
      channel: ref('channels', channel.name),
      title: `${input.source} emits on ${channel.name}`,
      messages: [...channel.messages].sort().map((key) => ref(`channels/${channel.name}/messages`, key)),
    };
  }
  const document: AsyncApiDocument = {
    asyncapi: '3.1.0',
    info: input.info,
    defaultContentType: EVENT_CONTENT_TYPE,
    ...serversOf(input),
    channels: Object.fromEntries(channels.map((channel) => [channel.name, channelOfDraft(channel, input)])),
    operations: { ...send, ...receive },
    components: {
      schemas: { EventEnvelope: envelopeSchema(), EventHeaders: headersSchema() },
      messages,
    },
  };
  return { document, warnings };
}

function messageKey(definition: AnyDefinition): string {
  return `${definition.type}.v${definition.version}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function operationKey(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function ref(path: string, key: string): AsyncApiRef {
  return { $ref: `#/${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}` };
}

function messageOf(definition: AnyDefinition, warnings: string[]): AsyncApiMessage {
  const payload = payloadSchemaOf(definition);
  if ('warning' in payload) warnings.push(`${definition.type} v${definition.version}: ${payload.warning}`);
  return {
    name: definition.type,
    title: `${definition.type} v${definition.version}`,
    ...(definition.description === undefined ? {} : { summary: definition.description }),
    contentType: EVENT_CONTENT_TYPE,
    payload: messagePayload(definition.type, definition.version, payload.schema),
    headers: { $ref: HEADERS_REF },
    correlationId: {
      location: '$message.payload#/correlationId',
      description: 'Every event of one request or job carries its id.',
    },
    'x-severity': definition.severity ?? 'info',
    'x-audited': definition.audit,
    'x-distributed': definition.distributed,
  };
}

/** The transport's channels in routing order, then the in-process channel (the catch-all of `channelOf`). */
function channelDrafts(input: CatalogInput): ChannelDraft[] {
  const remote = (input.transport?.channels ?? []).map((channel): ChannelDraft => {
    const matchers = channel.patterns.map(compilePattern);
    return {
      name: channel.name,
      addresses: channel.addresses,
      matches: (type) => matchers.some((matches) => matches(type)),
      messages: new Set(),
      remote: true,
    };
  });
  const local: ChannelDraft = {
    name: IN_PROCESS_CHANNEL,
    addresses: [],
    matches: () => true,
    messages: new Set(),
    remote: false,
  };
  return [...remote.filter((c) => c.name !== IN_PROCESS_CHANNEL), local];
}

function channelOfDraft(channel: ChannelDraft, input: CatalogInput): AsyncApiChannel {
  const messages = Object.fromEntries(
    [...channel.messages].sort().map((key) => [key, ref('components/messages', key)]),
  );
  if (!channel.remote) {
    return {
      address: null,
      title: 'In the emitting process',
      description: 'Events that do not leave the process (not distributed, or taken by `local` listeners).',
      messages,
    };
  }
  const single = channel.addresses.length === 1 ? channel.addresses[0] : undefined;
  const writable = single !== undefined && !/[{}]/.test(single);
  return {
    // A Redis key's hash tag is written in braces, which an AsyncAPI address reads as a parameter.
    address: writable ? single : null,
    title: `${input.transport!.protocol} channel ${channel.name}`,
    description: `Stream key(s): ${channel.addresses.join(', ')}.`,
    messages,
    servers: [ref('servers', input.transport!.protocol)],
    'x-addresses': channel.addresses,
  };
}

function serversOf(input: CatalogInput): { servers?: Record<string, AsyncApiServer> } {
  const transport = input.transport;
  if (transport?.host === undefined) return {};
  return {
    servers: {
      [transport.protocol]: {
        host: transport.host,
        protocol: transport.protocol,
        description: `Consumer group "${input.source}" (this service).`,
        'x-transport': { group: input.source, ...transport.settings },
      },
    },
  };
}

/** Listeners by name (one handler may subscribe to several patterns). */
function groupListeners(listeners: readonly ListenerInfo[]) {
  const byName = new Map<
    string,
    { patterns: string[]; priority: number; local: boolean; matches: (type: string) => boolean }
  >();
  for (const listener of listeners) {
    const known = byName.get(listener.name);
    const patterns = [...(known?.patterns ?? []), listener.pattern];
    const matchers = patterns.map(compilePattern);
    byName.set(listener.name, {
      patterns,
      priority: listener.priority,
      local: listener.local,
      matches: (type) => matchers.some((matches) => matches(type)),
    });
  }
  return byName;
}
