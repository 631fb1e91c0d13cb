/**
 * How many arguments a handler takes, read from its declaration, so that a message with the wrong
 * number of arguments is refused even when the type has no `static schemas` (a JSON, HTTP or
 * Python sender cannot be checked by the compiler).
 *
 * The parameter list is found in the function's source text. Anything this reader is not sure of
 * (native or bound functions, a body reading `arguments`, a default value containing a regular
 * expression or a division, a count that disagrees with `Function.length`) gives `undefined`:
 * no check, rather than a wrong one.
 */
export interface Arity {
  /** Arguments required: the parameters before the first with a default or rest (Function.length). */
  min: number;
  /** Arguments accepted: the declared parameters, or Infinity with a rest parameter. */
  max: number;
  /** The parameters as an error message shows them: `n`, `by?` (has a default), `...more`. */
  params: string[];
}

/** Thrown inside the reader when the source is not something it can read with certainty. */
class Uncertain extends Error {}

const IDENTIFIER_ARROW = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/;

/** `fn`'s arity, or undefined when its declaration cannot be read with certainty. */
export function arityOf(fn: (...args: never[]) => unknown): Arity | undefined {
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) return undefined;
  try {
    return read(src, fn.length);
  } catch (err) {
    if (err instanceof Uncertain) return undefined;
    throw err;
  }
}

function read(src: string, length: number): Arity | undefined {
  const bare = IDENTIFIER_ARROW.exec(src);
  let texts: string[];
  let body: string;
  if (bare) {
    texts = [bare[1]!];
    body = src.slice(bare[0].length);
  } else {
    const open = paramListStart(src);
    const { end, marks: commas } = scanTo(src, open + 1, ')');
    const bounds = [open, ...commas, end];
    texts = bounds.slice(1).map((at, k) => src.slice(bounds[k]! + 1, at));
    body = src.slice(end + 1);
    // a trailing comma, or no parameters at all
    if (texts.length > 0 && clean(texts[texts.length - 1]!) === '') texts.pop();
  }
  // a body that reads `arguments` takes any number of them; `void 0` is how compilers
  // targeting ES5 write default values, which hides them from Function.length
  if (/\barguments\b|\bvoid 0\b/.test(body)) return undefined;
  const params = texts.map(param);
  const rest = params.findIndex((p) => p.rest);
  if (rest >= 0 && rest !== params.length - 1) throw new Uncertain();
  const firstOptional = params.findIndex((p) => p.rest || p.optional);
  const min = firstOptional < 0 ? params.length : firstOptional;
  // the engine counted the parameters itself: if we disagree, we misread the source
  if (min !== length) return undefined;
  return {
    min,
    max: rest >= 0 ? Infinity : params.length,
    params: params.map((p) => p.shown),
  };
}

/** The index of the `(` that opens the parameter list: the first one outside a computed name. */
function paramListStart(src: string): number {
  for (let i = 0; i < src.length;) {
    const next = skipNonCode(src, i);
    if (next !== i) {
      i = next;
      continue;
    }
    const c = src[i];
    if (c === '(') return i;
    // a computed method name, e.g. ['add'](n)
    if (c === '[') i = scanTo(src, i + 1, ']').end + 1;
    else if (c === '{' || c === '=' || c === ')' || c === ']' || c === '}') throw new Uncertain();
    else i++;
  }
  throw new Uncertain();
}

/**
 * Scans code from `i` to the bracket `closer` that ends the current nesting level (or, with `closer`
 * '', to the end of `src`): its index, with the positions of the `mark` characters at that level.
 */
function scanTo(src: string, i: number, closer: string, mark = ','): { end: number; marks: number[] } {
  const marks: number[] = [];
  let depth = 0;
  while (i < src.length) {
    const next = skipNonCode(src, i);
    if (next !== i) {
      i = next;
      continue;
    }
    const c = src[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        if (c !== closer) throw new Uncertain();
        return { end: i, marks };
      }
      depth--;
    } else if (c === mark && depth === 0) marks.push(i);
    i++;
  }
  if (closer === '') return { end: i, marks };
  throw new Uncertain();
}

/** The index just past the string, template or comment that starts at `i`; `i` when none does. */
function skipNonCode(src: string, i: number): number {
  const c = src[i];
  if (c === '"' || c === "'") {
    for (let j = i + 1; j < src.length; j++) {
      if (src[j] === '\\') j++;
      else if (src[j] === c) return j + 1;
    }
    throw new Uncertain();
  }
  if (c === '`') {
    for (let j = i + 1; j < src.length; j++) {
      if (src[j] === '\\') j++;
      else if (src[j] === '`') return j + 1;
      else if (src[j] === '$' && src[j + 1] === '{') j = scanTo(src, j + 2, '}').end;
    }
    throw new Uncertain();
  }
  if (c !== '/') return i;
  if (src[i + 1] === '/') {
    const eol = src.indexOf('\n', i);
    if (eol < 0) throw new Uncertain();
    return eol;
  }
  if (src[i + 1] === '*') {
    const end = src.indexOf('*/', i + 2);
    if (end < 0) throw new Uncertain();
    return end + 2;
  }
  // a regular expression or a division: telling them apart needs a real parser
  throw new Uncertain();
}

/** One parameter's text without comments, whitespace collapsed. */
function clean(text: string): string {
  let out = '';
  for (let i = 0; i < text.length;) {
    const next = skipNonCode(text, i);
    if (next === i) out += text[i++];
    else {
      // keep strings (in default values), drop comments
      if (text[i] !== '/') out += text.slice(i, next);
      else out += ' ';
      i = next;
    }
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** A parameter's kind and how an error message shows it. */
function param(text: string): { rest: boolean; optional: boolean; shown: string } {
  const t = clean(text);
  if (t === '') throw new Uncertain();
  if (t.startsWith('...')) return { rest: true, optional: false, shown: short(t) };
  // the first `=` outside brackets separates the pattern from its default value
  const eq = scanTo(t, 0, '', '=').marks[0];
  if (eq !== undefined) return { rest: false, optional: true, shown: `${short(t.slice(0, eq).trim())}?` };
  return { rest: false, optional: false, shown: short(t) };
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/**
 * What is wrong with passing `count` arguments to `type.method`, or undefined when nothing is,
 * e.g. `counter.add expects 1 argument (n), got 0`.
 */
export function arityError(type: string, method: string, arity: Arity, count: number): string | undefined {
  if (count >= arity.min && count <= arity.max) return undefined;
  const { min, max } = arity;
  const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');
  const expects =
    max === 0
      ? 'no arguments'
      : max === Infinity
        ? `at least ${min} ${plural(min)}`
        : min === max
          ? `${min} ${plural(min)}`
          : `${min} to ${max} arguments`;
  const names = arity.params.length > 0 ? ` (${arity.params.join(', ')})` : '';
  return `${type}.${method} expects ${expects}${names}, got ${count}`;
}
