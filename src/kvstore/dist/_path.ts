/**
 * Absolute paths and file URLs without @std/path (JSR is unreachable here).
 * @module
 */

/** `p` made absolute against the current directory. */
export function resolve(p: string): string {
  return p.startsWith("/") ? p : `${Deno.cwd()}/${p}`;
}

/** A file URL for an absolute path. */
export function toFileUrl(p: string): URL {
  return new URL(`file://${p.split("/").map(encodeURIComponent).join("/")}`);
}
