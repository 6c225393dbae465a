/**
 * When a `downloadUrl` on a host other than the API's may be fetched (without the token): when it
 * is a pre-signed URL, i.e. the address itself carries its authorisation, as object stores issue
 * them. Recognised, by the query parameters every such scheme requires:
 *
 * - AWS S3 SigV4 and S3-compatible stores (MinIO, Ceph): `X-Amz-Signature` with `X-Amz-Credential`
 * - AWS S3 SigV2 / CloudFront: `Signature` with `Expires`
 * - Google Cloud Storage V4: `X-Goog-Signature` with `X-Goog-Credential`
 * - Azure Blob SAS: `sig` with `se` (expiry) or `sv` (version)
 *
 * Parameter names are compared case-insensitively and must have a non-empty value. Anything else
 * on a foreign host would need our token to be read, and the token is never sent there: such a
 * file is marked `failed` with the reason.
 */
const RULES: Array<{ signature: string; with: string[] }> = [
  { signature: 'x-amz-signature', with: ['x-amz-credential'] },
  { signature: 'signature', with: ['expires'] },
  { signature: 'x-goog-signature', with: ['x-goog-credential'] },
  { signature: 'sig', with: ['se', 'sv'] },
];

export function isPreSignedUrl(url: URL): boolean {
  const params = new Map<string, string>();
  for (const [k, v] of url.searchParams) params.set(k.toLowerCase(), v);
  const has = (k: string) => (params.get(k) ?? '').trim() !== '';
  return RULES.some((r) => has(r.signature) && r.with.some(has));
}
