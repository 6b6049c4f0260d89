import * as api from '@opentelemetry/api';
import { spanContextOf, traceHeadersOf } from './trace-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('W3C trace context beside an event', () => {
  it('writes traceparent from a span context, and tracestate when it has one', () => {
    const context = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: api.TraceFlags.SAMPLED };
    expect(traceHeadersOf(context)).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    const traceState = api.createTraceState('vendor=abc,other=1');
    expect(traceHeadersOf({ ...context, traceFlags: api.TraceFlags.NONE, traceState })).toEqual({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-00`,
      tracestate: 'vendor=abc,other=1',
    });
  });

  it('reads them back as a remote span context', () => {
    const read = spanContextOf(api, {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      tracestate: 'vendor=abc',
    });
    expect(read).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
    expect(read!.traceState!.get('vendor')).toBe('abc');
    // A later version may add fields; version 00 may not.
    expect(spanContextOf(api, { traceparent: `01-${TRACE_ID}-${SPAN_ID}-01-more` })?.traceId).toBe(TRACE_ID);
  });

  it.each([
    ['no header', undefined],
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['version 00 with more fields', `00-${TRACE_ID}-${SPAN_ID}-01-x`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['an all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['upper case', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['garbage', 'not a traceparent'],
  ])('reads nothing from %s', (_, traceparent) => {
    expect(spanContextOf(api, traceparent === undefined ? undefined : { traceparent })).toBeUndefined();
  });
});
