/**
 * Whether a body can be what the file says it is. A login or error page answered `200 text/html`
 * must not be stored as `recording-…-call.ogg`. Conservative on purpose: only answers that can
 * never be the file fail (an HTML, JSON or XML page for a recording; an HTML page for a shared file
 * whose name says it is a document, an image …); an unknown or missing type passes.
 *
 * Two looks: the Content-Type before a byte is written, then the first bytes (the page may be
 * labelled application/octet-stream). The reasons never name the file (a guest chose the name).
 */

export type FileKind = 'recording' | 'file';

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
/** Never a recording: a page, a JSON or XML error, plain text. */
const NOT_A_RECORDING = /^(text\/(html|plain|xml|json)|application\/(xhtml\+xml|xml|json|problem\+json|problem\+xml)|application\/[a-z.+-]*\+json)$/;
const HTML_NAMES = /\.(html?|xht(ml)?|mht(ml)?|svg)$/i;
/** Names whose content is never an HTML page. */
const BINARY_NAMES = /\.(pdf|docx?|xlsx?|pptx?|od[tsp]|rtf|zip|rar|7z|gz|png|jpe?g|gif|webp|heic|tiff?|bmp|mp3|mp4|m4a|ogg|oga|opus|wav|webm|mkv|avi|mov|flac|aac|amr)$/i;

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function extension(name: string | null | undefined): string {
  const m = /(\.[A-Za-z0-9]{1,8})$/.exec(name ?? '');
  return m ? m[1].toLowerCase() : '';
}

/** The reason to refuse a body by its Content-Type, or undefined when it may be the file. */
export function refusedByContentType(contentType: string | undefined, kind: FileKind, name: string | null | undefined): string | undefined {
  const type = mediaType(contentType);
  if (type === '') return undefined;
  if (kind === 'recording' && NOT_A_RECORDING.test(type)) {
    return `the server answered ${type}, which is never a recording (a login or error page?): not stored`;
  }
  if (kind === 'file' && HTML_TYPES.has(type) && extension(name) !== '' && !HTML_NAMES.test(name ?? '')) {
    return `the server answered ${type} (a web page) for a ${extension(name)} file (a login or error page?): not stored`;
  }
  return undefined;
}

/** Bytes enough to recognise a page by its start. */
export const HEAD_BYTES = 64;

/** What the first bytes say: a page or a JSON/XML document, or nothing we recognise. */
function sniff(head: Buffer): 'html' | 'json' | 'xml' | undefined {
  let text = head.subarray(0, HEAD_BYTES).toString('latin1');
  text = text.replace(/^(\u00ef\u00bb\u00bf|\u00fe\u00ff|\u00ff\u00fe)/, '').replace(/^[\s\u0000]+/, '').toLowerCase();
  if (/^<(!doctype html|html|head|body|!--|meta|title|script)[\s>/]/.test(text)) return 'html';
  if (text.startsWith('<?xml')) return 'xml';
  if (/^[{[]\s*["{[\]}]/.test(text)) return 'json';
  return undefined;
}

/** The reason to refuse a body by its first bytes, or undefined when it may be the file. */
export function refusedByFirstBytes(head: Buffer, kind: FileKind, name: string | null | undefined): string | undefined {
  const what = sniff(head);
  if (!what) return undefined;
  if (kind === 'recording') return `the body is ${what === 'html' ? 'an HTML page' : `a ${what.toUpperCase()} document`}, not a recording (a login or error page?): not stored`;
  if (what === 'html' && BINARY_NAMES.test(name ?? '')) return `the body is an HTML page, not a ${extension(name)} file (a login or error page?): not stored`;
  return undefined;
}
