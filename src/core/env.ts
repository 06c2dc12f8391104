/**
 * Reading environment variables where there may be none: a browser, or Deno without env
 * permission, reads as unset.
 * @module
 */

/** The variable's value, or undefined when unset or unreadable. */
export function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no env permission, or not running in Deno
  }
}
