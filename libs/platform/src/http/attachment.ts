/**
 * A Content-Disposition value for a download whose name may hold any character (RFC 6266):
 * an ASCII stand-in for old clients, and the exact name percent-encoded as UTF-8 (RFC 8187).
 * A raw non-Latin-1 character in a header makes Node throw, which used to turn an export of
 * a company with such an id into a 500.
 */
export function attachmentHeader(filename: string): string {
  const ascii = filename.replace(/[^A-Za-z0-9._-]/g, '_');
  const exact = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
