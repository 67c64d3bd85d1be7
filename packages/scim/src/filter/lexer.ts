import { ScimError, type ScimType } from "../errors/scim-error.js";
import { controlCharacterAt, filterLimits } from "../limits.js";

export type TokenKind = "(" | ")" | "[" | "]" | "string" | "word";

/** One lexical token; `start`/`end` are 0-based character offsets into the source. */
export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  /** Raw source text of the token. */
  text: string;
  /** Decoded value of a string token. */
  value?: string;
}

const PUNCTUATION = new Set(["(", ")", "[", "]"]);
const WHITESPACE = /\s/;

/** Builds the error thrown for malformed input, with the 0-based position in the message. */
export function syntaxError(scimType: ScimType, message: string, position: number): ScimError {
  const what = scimType === "invalidFilter" ? "filter" : "path";
  return new ScimError(400, scimType, `Invalid ${what}: ${message} at position ${position}`);
}

/**
 * Splits a filter or path into tokens: brackets, JSON string literals (all JSON escapes), and words
 * (attribute paths, operators, keywords, numbers). Whitespace of any kind and amount separates tokens.
 */
export function tokenize(source: string, scimType: ScimType): Token[] {
  if (source.length > filterLimits.length)
    throw syntaxError(scimType, `longer than ${filterLimits.length} characters`, filterLimits.length);
  const control = controlCharacterAt(source, "\t\n\f\r");
  if (control >= 0) throw syntaxError(scimType, "control character in the filter", control);
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (WHITESPACE.test(ch)) {
      i += 1;
    } else if (PUNCTUATION.has(ch)) {
      tokens.push({ kind: ch as TokenKind, start: i, end: i + 1, text: ch });
      i += 1;
    } else if (ch === '"') {
      const end = endOfString(source, i, scimType);
      const text = source.slice(i, end);
      tokens.push({ kind: "string", start: i, end, text, value: decodeString(text, i, scimType) });
      i = end;
    } else {
      let end = i;
      while (end < source.length) {
        const c = source.charAt(end);
        if (WHITESPACE.test(c) || PUNCTUATION.has(c) || c === '"') break;
        end += 1;
      }
      tokens.push({ kind: "word", start: i, end, text: source.slice(i, end) });
      i = end;
    }
  }
  return tokens;
}

function endOfString(source: string, start: number, scimType: ScimType): number {
  let i = start + 1;
  while (i < source.length) {
    const c = source.charAt(i);
    if (c === "\\") i += 2;
    else if (c === '"') return i + 1;
    else i += 1;
  }
  throw syntaxError(scimType, "unterminated string literal", start);
}

function decodeString(text: string, start: number, scimType: ScimType): string {
  let value: string;
  try {
    value = JSON.parse(text) as string;
  } catch {
    throw syntaxError(scimType, `invalid string literal ${JSON.stringify(text)}`, start);
  }
  if (controlCharacterAt(value) >= 0)
    throw syntaxError(scimType, "a string literal contains a control character", start);
  return value;
}
