/** The `type` label of every event type beyond the cardinality limit. */
export const OTHER_TYPE_LABEL = 'other';

/**
 * Decides the `type` label of each event type, keeping label cardinality bounded: declared types (those a
 * definition declares) always keep their own label, as do the first `maxTypes` undeclared ones; later
 * undeclared types are counted as `other`, with one warning. A type keeps the label it got first, so a series
 * never moves.
 */
export class TypeLabels {
  private readonly labels = new Map<string, string>();
  private undeclared = 0;
  private warned = false;

  constructor(
    private readonly maxTypes: number,
    private readonly isDeclared: (type: string) => boolean,
    private readonly warn: (message: string) => void,
  ) {}

  labelFor(type: string): string {
    const known = this.labels.get(type);
    if (known !== undefined) return known;
    if (type === OTHER_TYPE_LABEL) return OTHER_TYPE_LABEL;
    if (this.isDeclared(type)) {
      this.labels.set(type, type);
      return type;
    }
    if (this.undeclared < this.maxTypes) {
      this.undeclared++;
      this.labels.set(type, type);
      return type;
    }
    // Folded types are not remembered: the map stays bounded however many distinct types arrive.
    this.warnOnce(type);
    return OTHER_TYPE_LABEL;
  }

  private warnOnce(type: string): void {
    if (this.warned) return;
    this.warned = true;
    this.warn(
      `More than ${this.maxTypes} event types that no definition declares (the latest: "${type}"); metrics count ` +
        `further undeclared types as type="other". Declare your types with defineEvent() (and list them in ` +
        `EventsModule.forRoot({ definitions })) or raise metrics.maxTypes.`,
    );
  }
}
