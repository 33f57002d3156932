/**
 * Globs for file sources: `*` (within one folder), `**` (any folders), `?`,
 * `[abc]` and `{a,b}`, over local paths and s3:// keys alike.
 * @module
 */

/** Whether a path holds glob characters. */
export function hasGlob(path: string): boolean {
  return /[*?[{]/.test(path);
}

/** The folder part before the first glob character (ends with "/" or is ""). */
export function globBase(pattern: string): string {
  const first = pattern.search(/[*?[{]/);
  if (first < 0) return pattern;
  return pattern.slice(0, pattern.lastIndexOf("/", first) + 1);
}

/** A regular expression matching whole paths against a glob. */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        // "**/" matches zero or more folders; "**" at the end anything.
        if (pattern[i + 2] === "/") {
          re += "(?:[^/]*/)*";
          i += 2;
        } else {
          re += ".*";
          i += 1;
        }
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close < 0) re += "\\[";
      else {
        let body = pattern.slice(i + 1, close).replace(/\\/g, "\\\\");
        if (body.startsWith("!")) body = "^" + body.slice(1);
        re += `[${body}]`;
        i = close;
      }
    } else if (c === "{") {
      braces++;
      re += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      re += ")";
    } else if (c === "," && braces > 0) re += "|";
    else re += c.replace(/[.+^$()|\\/\]}]/g, "\\$&");
  }
  if (braces > 0) throw new TypeError(`Invalid glob "${pattern}": an unclosed "{"`);
  return new RegExp(`^${re}$`);
}
