/**
 * A list answer, read as a stream: its JSON text arrives in chunks and is cut into the text of each
 * item of its array, so no string of the whole answer ever exists. A page can be larger than the
 * longest string V8 can make (512 MB) and still be read; an item larger than `maxItemBytes` is
 * counted to its end and dropped, keeping only its first KB and its `id` — it is never held whole.
 *
 * Only the array is cut here, byte by byte (strings skipped with indexOf, multi-byte UTF-8
 * cannot hold a quote, bracket or backslash); each item's text is then checked by JSON.parse (in
 * V8 an iterative parser: any nesting depth is safe). The answer is a bare array, or an object
 * holding exactly one array-valued member (what util/json.ts `wrappedArray` accepts).
 *
 * Memory: the item being read (at most `maxItemBytes` + one chunk) and the items handed over.
 */

/** One item of the list, as its JSON text, or only what is kept of an item over the bound. */
export type SplitItem = { kind: 'item'; text: string } | { kind: 'oversized'; bytes: number; head: string; id?: number };

/** The answer is not a JSON array (or an object holding one): its message says what was found. */
export class ListShapeError extends Error {
  override name = 'ListShapeError';
}

/** What is kept of an oversized item, for its reject. */
export const HEAD_BYTES = 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Longer than any id: the digits of a longer number are not kept (it is no id either). */
const MAX_ID_CHARS = 24;

const isNumberChar = (b: number) => (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2b || b === 0x2e || b === 0x65 || b === 0x45;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
/** Where a number or literal (true, null, 12.5e3) ends. */
const endsScalar = (b: number) => isSpace(b) || b === COMMA || b === CLOSE_ARRAY || b === CLOSE_OBJECT || b === COLON;

/**
 * Where the scan stands outside strings, at the list's level:
 * - `start`: before the answer's value; `done`: after it (only whitespace may follow).
 * - `wrapper`: inside the wrapping object, outside the list (members are skipped).
 * - `list-value` / `list-comma`: inside the list, a value (or `]`) / a comma (or `]`) is due.
 */
type Phase = 'start' | 'wrapper' | 'list-value' | 'list-comma' | 'done';

export class ListItemsSplitter {
  private phase: Phase = 'start';
  /** Open containers (arrays and objects), the answer's own included. */
  private depth = 0;
  /** `depth` inside the list (1 for a bare array, 2 in a wrapping object). */
  private listDepth = 0;
  private listsSeen = 0;
  private inString = false;
  /** The next byte in the string is escaped (a backslash ended the previous chunk). */
  private escaped = false;
  /** Bytes seen in total, for messages. */
  private offset = 0;
  private started = false;

  // The item being read.
  private inItem = false;
  /** 'container' (an object or array), 'string' or 'scalar'. */
  private itemKind: 'container' | 'string' | 'scalar' = 'container';
  private itemIsObject = false;
  private itemBytes = 0;
  private parts: Buffer[] = [];
  private head: Buffer | undefined;
  // The item's top-level `id`, read on the fly: an oversized item keeps its id, wherever it stands.
  private keyNext = false;
  private keyText = '';
  private capturingKey = false;
  private afterIdKey = false;
  /** The digits of the `id` value while it is read; undefined when no id value is being read. */
  private idText: string | undefined;
  private id: number | undefined;

  constructor(
    private readonly maxItemBytes: number,
    private readonly onItem: (item: SplitItem) => void,
  ) {}

  /** Feeds the next chunk; throws ListShapeError as soon as the text cannot be a list. */
  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    if (!this.started && n > 0) {
      this.started = true;
      if (n >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3; // a UTF-8 byte order mark
    }
    let itemStart = this.inItem ? 0 : -1;
    while (i < n) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        const q = chunk.indexOf(QUOTE, i);
        const stop = q < 0 ? n : q;
        if (this.capturingKey && this.keyText.length < 8) this.keyText += chunk.toString('latin1', i, Math.min(stop, i + 8));
        let run = 0;
        for (let k = stop - 1; k >= i && chunk[k] === BACKSLASH; k--) run++;
        if (q < 0) {
          this.escaped = run % 2 === 1;
          i = n;
          break;
        }
        i = q + 1;
        if (run % 2 === 1) continue; // an escaped quote: still in the string
        this.inString = false;
        if (this.inItem && this.itemKind === 'string' && this.depth === this.listDepth) {
          this.endItem(chunk, itemStart, i);
          itemStart = -1;
        } else if (this.capturingKey) {
          this.capturingKey = false;
          this.afterIdKey = this.keyText === 'id';
        }
        continue;
      }

      const b = chunk[i];
      if (this.inItem && this.itemKind === 'scalar') {
        if (!endsScalar(b)) {
          i++;
          continue;
        }
        this.endItem(chunk, itemStart, i);
        itemStart = -1;
        // b is then read again at the list's level
      }
      if (this.inItem) {
        // Inside a container item: only strings, brackets and, at its top level, the id matter.
        const top = this.itemIsObject && this.depth === this.listDepth + 1;
        if (top && this.idText !== undefined) {
          if (isNumberChar(b)) {
            if (this.idText.length < MAX_ID_CHARS) this.idText += String.fromCharCode(b);
            i++;
            continue;
          }
          if (!(this.idText === '' && isSpace(b))) {
            const value = this.idText === '' ? NaN : Number(this.idText);
            if (Number.isSafeInteger(value)) this.id = value;
            this.idText = undefined;
          }
        }
        if (b === QUOTE) {
          this.inString = true;
          if (top && this.keyNext) {
            this.keyNext = false;
            this.capturingKey = true;
            this.keyText = '';
          }
        } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
          this.depth++;
        } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
          this.depth--;
          if (this.depth === this.listDepth) {
            this.endItem(chunk, itemStart, i + 1);
            itemStart = -1;
          }
        } else if (top && b === COMMA) {
          this.keyNext = true;
        } else if (top && b === COLON) {
          if (this.afterIdKey) this.idText = '';
          this.afterIdKey = false;
        }
        i++;
        continue;
      }

      // Outside any item.
      i++;
      if (isSpace(b)) continue;
      switch (this.phase) {
        case 'start':
          if (b === OPEN_ARRAY) {
            this.depth = 1;
            this.listDepth = 1;
            this.listsSeen = 1;
            this.phase = 'list-value';
          } else if (b === OPEN_OBJECT) {
            this.depth = 1;
            this.phase = 'wrapper';
          } else {
            throw new ListShapeError('is not a JSON array');
          }
          break;
        case 'list-value':
        case 'list-comma':
          if (b === CLOSE_ARRAY) {
            this.depth--;
            this.phase = this.depth === 0 ? 'done' : 'wrapper';
          } else if (this.phase === 'list-comma') {
            if (b !== COMMA) throw new ListShapeError(`is not a JSON array: "${String.fromCharCode(b)}" where a comma was due between two items`);
            this.phase = 'list-value';
          } else if (b === COMMA) {
            throw new ListShapeError('is not a JSON array: an item is missing before a comma');
          } else {
            itemStart = i - 1;
            this.startItem(b);
          }
          break;
        case 'wrapper':
          // Members of the wrapping object: a nested value is skipped whole, the one array is the list.
          if (b === QUOTE) this.inString = true;
          else if (b === OPEN_ARRAY && this.depth === 1) {
            if (++this.listsSeen > 1) throw new ListShapeError('is not a JSON array: an object holding more than one array');
            this.depth = 2;
            this.listDepth = 2;
            this.phase = 'list-value';
          } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) this.depth++;
          else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
            this.depth--;
            if (this.depth === 0) this.phase = 'done';
          }
          break;
        case 'done':
          throw new ListShapeError('is not one JSON value: more text follows it');
      }
    }
    if (this.inItem && itemStart >= 0) this.keep(chunk.subarray(itemStart));
    this.offset += n;
  }

  /** The answer ended: throws ListShapeError when it stopped before its JSON was complete. */
  end(): void {
    if (this.phase === 'start') throw new ListShapeError('is empty, not a JSON array');
    if (this.phase !== 'done') {
      throw new ListShapeError(`ends before its JSON is complete (after ${this.offset} bytes)`);
    }
    if (this.listsSeen === 0) throw new ListShapeError('is not a JSON array: an object holding no array');
  }

  private startItem(first: number): void {
    this.inItem = true;
    this.itemBytes = 0;
    this.parts = [];
    this.head = undefined;
    this.id = undefined;
    this.idText = undefined;
    this.afterIdKey = false;
    this.keyNext = false;
    this.capturingKey = false;
    this.itemIsObject = first === OPEN_OBJECT;
    if (first === OPEN_ARRAY || first === OPEN_OBJECT) {
      this.itemKind = 'container';
      this.depth++;
      this.keyNext = this.itemIsObject;
    } else if (first === QUOTE) {
      this.itemKind = 'string';
      this.inString = true;
    } else {
      this.itemKind = 'scalar';
    }
  }

  /** Holds a piece of the current item; once the item is over the bound, only its first KB and its size. */
  private keep(piece: Buffer): void {
    this.itemBytes += piece.length;
    if (this.head === undefined) {
      // Views into the chunk: a chunk stays alive while a piece of it is held (a chunk is small).
      this.parts.push(piece);
      if (this.itemBytes <= this.maxItemBytes) return;
      this.head = firstBytes(this.parts, HEAD_BYTES);
      this.parts = [];
    } else if (this.head.length < HEAD_BYTES) {
      this.head = firstBytes([this.head, piece], HEAD_BYTES);
    }
  }

  private endItem(chunk: Buffer, start: number, end: number): void {
    this.keep(chunk.subarray(start, end));
    this.inItem = false;
    this.phase = 'list-comma';
    if (this.head !== undefined) {
      this.onItem({ kind: 'oversized', bytes: this.itemBytes, head: this.head.toString('utf8'), ...(this.id === undefined ? {} : { id: this.id }) });
    } else {
      this.onItem({ kind: 'item', text: (this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts)).toString('utf8') });
    }
    this.parts = [];
    this.head = undefined;
  }
}

/** A copy of the first `n` bytes of `parts` (never a view that would keep a whole chunk alive). */
function firstBytes(parts: Buffer[], n: number): Buffer {
  const out = Buffer.alloc(Math.min(n, parts.reduce((sum, p) => sum + p.length, 0)));
  let at = 0;
  for (const p of parts) {
    if (at >= out.length) break;
    at += p.copy(out, at, 0, Math.min(p.length, out.length - at));
  }
  return out;
}
