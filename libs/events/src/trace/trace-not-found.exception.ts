import { NotFoundException } from '@nestjs/common';

/** The one message of a story that does not exist or that the reader may not see. */
export const TRACE_NOT_FOUND_MESSAGE = 'No trace with this correlation id.';

/**
 * The trace controller's answer for an unknown correlation id. Throw it from your guard for a story the reader
 * may not see, so that the two answers are the same and ids cannot be probed.
 */
export class TraceNotFoundException extends NotFoundException {
  constructor() {
    super(TRACE_NOT_FOUND_MESSAGE);
  }
}
