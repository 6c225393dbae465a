/**
 * The quality flags of one session (docs/metrics.md M-0.3 and friends). Most sessions have none, so the
 * list is only allocated on the first flag.
 */
export class QualityFlags {
  private list: string[] | null = null;

  add(flag: string): void {
    if (this.list === null) this.list = [flag];
    else this.list.push(flag);
  }

  /** Sorted and de-duplicated, so equal input always gives an equal array (and content hash). */
  toArray(): string[] {
    const list = this.list;
    if (list === null) return [];
    if (list.length === 1) return [list[0]];
    const sorted = [...list].sort();
    let out = 1;
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] !== sorted[out - 1]) sorted[out++] = sorted[i];
    }
    sorted.length = out;
    return sorted;
  }
}
