/** The transport's running totals; `stats()` reads them. */
export class TransportCounters {
  published = 0;
  consumed = 0;
  acked = 0;
  retried = 0;
  deadLettered = 0;
  claimed = 0;
  reconnects = 0;
  dropped = 0;
  /** Entries the claim loop found gone from the stream (trimmed or deleted before anyone acknowledged them). */
  lostToTrim = 0;
  /** Entries the length cap (`retention.maxLength`) cut, acknowledged or not. */
  trimmedByCap = 0;
  /** Entries the age trim removed. */
  trimmed = 0;
}
