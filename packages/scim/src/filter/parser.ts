import type { ScimType } from "../errors/scim-error.js";
import { filterLimits } from "../limits.js";
import { type AttributeRef, isAttributeName, splitAttributeRef } from "../path/attribute-path.js";
import type { CompareOperator, Filter, FilterValue, FilterValueType } from "./ast.js";
import { syntaxError, type Token } from "./lexer.js";

const COMPARE_OPERATORS = new Set<string>(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const KEYWORDS = new Set<string>([...COMPARE_OPERATORS, "pr", "and", "or", "not"]);
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** Unquoted values (Entra documents `externalId eq jyoung`): plain identifier-like words only. */
const BARE_VALUE = /^[A-Za-z0-9_][A-Za-z0-9._~@+:-]*$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Recursive-descent parser over a token range. Grammar (RFC 7644 §3.4.2.2, precedence `not` > `and` > `or`):
 *
 *     or      = and *("or" and)
 *     and     = unary *("and" unary)
 *     unary   = "not" "(" or ")" / "(" or ")" / attrExp
 *     attrExp = path "pr" / path op value / path "[" or "]" ["." sub (op value / "pr")]
 *
 * Used by the filter parser and, for the `[…]` part, by the path parser.
 */
export class FilterParser {
  private index: number;
  private depth = 0;
  private terms = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
    private readonly scimType: ScimType,
    start: number,
    private readonly limit: number,
  ) {
    this.index = start;
  }

  get position(): number {
    return this.index;
  }

  /** Parses one complete expression; `insideValuePath` forbids nested `[`. */
  parseExpression(insideValuePath: boolean): Filter {
    return this.parseOr(insideValuePath);
  }

  private peek(): Token | undefined {
    return this.index < this.limit ? this.tokens[this.index] : undefined;
  }

  private offset(token: Token | undefined): number {
    return token?.start ?? this.tokens[this.limit - 1]?.end ?? this.source.length;
  }

  private fail(message: string, token: Token | undefined = this.peek()): never {
    throw syntaxError(this.scimType, message, this.offset(token));
  }

  private isWord(token: Token | undefined, word: string): boolean {
    return token?.kind === "word" && token.text.toLowerCase() === word;
  }

  private parseOr(inside: boolean): Filter {
    let left = this.parseAnd(inside);
    while (this.isWord(this.peek(), "or")) {
      this.index += 1;
      left = { kind: "or", left, right: this.parseAnd(inside) };
    }
    return left;
  }

  private parseAnd(inside: boolean): Filter {
    let left = this.parseUnary(inside);
    while (this.isWord(this.peek(), "and")) {
      this.index += 1;
      left = { kind: "and", left, right: this.parseUnary(inside) };
    }
    return left;
  }

  private parseUnary(inside: boolean): Filter {
    const token = this.peek();
    if (token === undefined) this.fail("expected an expression");
    if (this.depth >= filterLimits.depth)
      this.fail(`expression nested deeper than ${filterLimits.depth} levels`, token);
    if (
      this.isWord(token, "not") &&
      this.tokens[this.index + 1]?.kind === "(" &&
      this.index + 1 < this.limit
    ) {
      this.index += 1;
      return { kind: "not", filter: this.parseGroup(inside) };
    }
    if (token.kind === "(") return this.parseGroup(inside);
    if (token.kind !== "word") this.fail(`unexpected ${describe(token)}, expected an attribute path`, token);
    if (KEYWORDS.has(token.text.toLowerCase())) {
      this.fail(`unexpected keyword "${token.text}", expected an attribute path`, token);
    }
    return this.parseAttributeExpression(inside);
  }

  private parseGroup(inside: boolean): Filter {
    const open = this.peek();
    this.index += 1;
    this.depth += 1;
    const inner = this.parseOr(inside);
    this.depth -= 1;
    if (this.peek()?.kind !== ")") this.fail(`expected ")" to match the "(" opened at ${open?.start}`);
    this.index += 1;
    return inner;
  }

  private parseAttributeExpression(inside: boolean): Filter {
    const pathToken = this.peek() as Token;
    this.terms += 1;
    if (this.terms > filterLimits.terms)
      this.fail(`more than ${filterLimits.terms} attribute expressions`, pathToken);
    const path = this.readPath(pathToken);
    this.index += 1;
    const next = this.peek();
    if (next?.kind === "[") {
      if (inside) this.fail("value filters cannot be nested", next);
      if (path.subAttribute !== undefined) this.fail("a value filter must follow a complex attribute", next);
      this.index += 1;
      this.depth += 1;
      const filter = this.parseOr(true);
      this.depth -= 1;
      if (this.peek()?.kind !== "]") this.fail(`expected "]" to match the "[" opened at ${next.start}`);
      const close = this.peek() as Token;
      this.index += 1;
      const after = this.peek();
      if (after?.kind === "word" && after.text.startsWith(".") && after.start === close.end) {
        // `emails[type eq "work"].value eq "x"`: same as `emails[type eq "work" and value eq "x"]`.
        const sub = after.text.slice(1);
        if (!isAttributeName(sub)) this.fail(`"${sub}" is not a valid sub-attribute name`, after);
        this.index += 1;
        const condition = this.parseCondition({ attribute: sub }, after);
        return { kind: "valuePath", path, filter: { kind: "and", left: filter, right: condition } };
      }
      return { kind: "valuePath", path, filter };
    }
    return this.parseCondition(path, pathToken);
  }

  private parseCondition(path: AttributeRef, pathToken: Token): Filter {
    const opToken = this.peek();
    if (opToken?.kind !== "word") this.fail(`expected an operator after "${pathToken.text}"`, opToken);
    const op = opToken.text.toLowerCase();
    this.index += 1;
    if (op === "pr") return { kind: "present", path };
    if (!COMPARE_OPERATORS.has(op)) this.fail(`unknown operator "${opToken.text}"`, opToken);
    const valueToken = this.peek();
    const [value, valueType] = this.readValue(valueToken, opToken.text);
    this.index += 1;
    if (
      (op === "gt" || op === "ge" || op === "lt" || op === "le") &&
      (valueType === "boolean" || valueType === "null")
    ) {
      this.fail(`operator "${op}" cannot compare with ${String(value)}`, valueToken);
    }
    if ((op === "co" || op === "sw" || op === "ew") && valueType !== "string" && valueType !== "dateTime") {
      this.fail(`operator "${op}" needs a string value`, valueToken);
    }
    return { kind: "compare", path, op: op as CompareOperator, value, valueType };
  }

  private readPath(token: Token): AttributeRef {
    const ref = splitAttributeRef(token.text);
    if (typeof ref === "string") this.fail(ref, token);
    return ref;
  }

  private readValue(token: Token | undefined, op: string): [FilterValue, FilterValueType] {
    if (token?.kind === "string") {
      const text = token.value as string;
      return [text, DATE_TIME.test(text) ? "dateTime" : "string"];
    }
    if (token?.kind !== "word") this.fail(`expected a value after "${op}"`, token);
    const word = token.text;
    const lower = word.toLowerCase();
    if (lower === "true" || lower === "false") return [lower === "true", "boolean"];
    if (lower === "null") return [null, "null"];
    if (NUMBER.test(word)) {
      const number = Number(word);
      if (!Number.isFinite(number)) this.fail(`number ${word} is out of range`, token);
      return [number === 0 ? 0 : number, "number"];
    }
    if (KEYWORDS.has(lower) || !BARE_VALUE.test(word)) this.fail(`expected a value after "${op}"`, token);
    return [word, DATE_TIME.test(word) ? "dateTime" : "string"];
  }
}

function describe(token: Token): string {
  return token.kind === "string" ? `string ${token.text}` : `"${token.text}"`;
}
