/**
 * A strict static check that every key a Lua script touches comes from KEYS, so each script names
 * its keys to Redis (what Redis Cluster routes and checks by). The rule: a key argument of
 * `redis.call`/`redis.pcall` is `KEYS[...]`, or a local assigned only from `KEYS[...]`, or a
 * parameter of a local function whose every call passes such a value there. Nothing else counts:
 * no concatenation, no ARGV, no table lookups. Small by design: it reads plain Lua as Troupe
 * writes it, and refuses what it cannot follow (that is a failure, not a pass).
 */

export interface KeyProblem {
  line: number;
  message: string;
}

/** Commands without a key argument. */
const KEYLESS = new Set(['TIME']);
/** Commands whose every argument is a key. */
const ALL_KEYS = new Set(['DEL', 'UNLINK', 'EXISTS', 'MGET', 'TOUCH']);

interface Code {
  /** The source with comments removed and every string literal replaced by `"<n>"`. */
  text: string;
  strings: string[];
}

/** Strips comments and hides string contents, keeping line breaks (so offsets map to lines). */
function scan(src: string): Code {
  const strings: string[] = [];
  let out = '';
  let i = 0;
  const longBracket = (at: number): number => {
    const m = /^\[(=*)\[/.exec(src.slice(at));
    return m ? m[1]!.length : -1;
  };
  const skipLong = (at: number, level: number): string => {
    const close = `]${'='.repeat(level)}]`;
    const end = src.indexOf(close, at);
    const stop = end < 0 ? src.length : end + close.length;
    const body = src.slice(at, stop);
    i = stop;
    return body;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '-' && src[i + 1] === '-') {
      const level = longBracket(i + 2);
      if (level >= 0) {
        out += skipLong(i, level).replace(/[^\n]/g, '');
      } else {
        const nl = src.indexOf('\n', i);
        i = nl < 0 ? src.length : nl;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') {
          value += src.slice(j, j + 2);
          j += 2;
        } else value += src[j++];
      }
      strings.push(value);
      out += `"${strings.length - 1}"`;
      i = j + 1;
      continue;
    }
    if (c === '[' && longBracket(i) >= 0) {
      const body = skipLong(i, longBracket(i));
      strings.push(body);
      out += `"${strings.length - 1}"` + body.replace(/[^\n]/g, '');
      continue;
    }
    out += c;
    i++;
  }
  return { text: out, strings };
}

/** The arguments of the call whose '(' is at `open`, split at top-level commas, and its end. */
function callArgs(text: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        const last = text.slice(start, i).trim();
        if (last !== '' || args.length > 0) args.push(last);
        return { args, end: i };
      }
    } else if (c === ',' && depth === 1) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return { args, end: text.length };
}

interface Fn {
  name: string;
  params: string[];
  start: number;
  end: number;
}

/** `local function f(a, b)` definitions with the extent of their bodies. */
function functions(text: string): Fn[] {
  const out: Fn[] = [];
  const def = /\bfunction\s+([A-Za-z_]\w*)\s*\(([^)]*)\)/g;
  for (let m = def.exec(text); m; m = def.exec(text)) {
    const params = m[2]!
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const block = /\b(function|if|do|repeat|end|until)\b/g;
    block.lastIndex = m.index + m[0].length;
    let depth = 1;
    let end = text.length;
    for (let b = block.exec(text); b; b = block.exec(text)) {
      depth += b[1] === 'end' || b[1] === 'until' ? -1 : 1;
      if (depth === 0) {
        end = b.index;
        break;
      }
    }
    out.push({ name: m[1]!, params, start: m.index, end });
  }
  return out;
}

const FROM_KEYS = /^KEYS\s*\[.+\]$/s;
const NAME = /^[A-Za-z_]\w*$/;

/** Checks one script (with its includes inlined); returns what breaks the rule. */
export function checkLuaKeys(src: string): KeyProblem[] {
  const { text, strings } = scan(src);
  const lineOf = (at: number) => text.slice(0, at).split('\n').length;
  const fns = functions(text);
  const enclosing = (at: number) =>
    fns.filter((f) => f.start < at && at < f.end).sort((a, b) => b.start - a.start)[0];
  const problems: KeyProblem[] = [];
  /** An expression as written, its strings put back, for messages. */
  const shown = (e: string) => e.replace(/"(\d+)"/g, (_, n: string) => `'${strings[Number(n)]}'`);
  /** Function name -> indexes (0-based) of its parameters used as keys. */
  const keyParams = new Map<string, Set<number>>();

  /** Whether `name` is a local assigned only, and at least once, from KEYS[...]. */
  const keysLocal = (name: string): boolean => {
    const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // for-loop variables and multiple assignment are beyond this check: refuse them
    if (new RegExp(`\\bfor\\b[^\\n]*\\b${n}\\b[^\\n]*\\b(in|=)\\b`).test(text)) return false;
    if (new RegExp(`(\\b${n}\\s*,|,\\s*${n}\\b)[^\\n=]*=(?!=)`).test(text)) return false;
    if (new RegExp(`\\blocal\\s+${n}\\s*(\\n|$)`).test(text)) return false;
    const assign = new RegExp(`(?<![.\\w])${n}\\s*=(?!=)([^\\n]*)`, 'g');
    let seen = 0;
    for (let m = assign.exec(text); m; m = assign.exec(text)) {
      seen++;
      if (!FROM_KEYS.test(m[1]!.trim())) return false;
    }
    return seen > 0;
  };

  /** Whether expression `e` at offset `at` is derived from KEYS; notes parameters used as keys. */
  const derived = (e: string, at: number): boolean => {
    if (FROM_KEYS.test(e)) return true;
    if (!NAME.test(e)) return false;
    const fn = enclosing(at);
    const param = fn ? fn.params.indexOf(e) : -1;
    if (fn && param >= 0) {
      const set = keyParams.get(fn.name) ?? new Set<number>();
      set.add(param);
      keyParams.set(fn.name, set);
      return true;
    }
    return keysLocal(e);
  };

  const call = /\bredis\.p?call\s*\(/g;
  for (let m = call.exec(text); m; m = call.exec(text)) {
    const open = m.index + m[0].length - 1;
    const { args } = callArgs(text, open);
    const cmdLit = /^"(\d+)"$/.exec(args[0] ?? '');
    const line = lineOf(m.index);
    if (!cmdLit) {
      problems.push({ line, message: `command is not a string literal: ${args[0] ?? '(none)'}` });
      continue;
    }
    const cmd = strings[Number(cmdLit[1])]!.toUpperCase();
    if (KEYLESS.has(cmd)) continue;
    const keyArgs = ALL_KEYS.has(cmd) ? args.slice(1) : args.slice(1, 2);
    if (keyArgs.length === 0) problems.push({ line, message: `${cmd} without a key` });
    for (const k of keyArgs) {
      if (!derived(k, m.index))
        problems.push({ line, message: `${cmd} key \`${shown(k)}\` is not from KEYS` });
    }
  }

  // every call of a function must pass KEYS-derived values where it uses parameters as keys;
  // a call inside another function can make that function's parameter a key, so repeat until stable
  const checked = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, params] of [...keyParams]) {
      const site = new RegExp(`(?<!function\\s+)(?<![.\\w])${name}\\s*\\(`, 'g');
      for (let m = site.exec(text); m; m = site.exec(text)) {
        const { args } = callArgs(text, m.index + m[0].length - 1);
        for (const i of params) {
          const id = `${m.index}:${i}`;
          if (checked.has(id)) continue;
          checked.add(id);
          changed = true;
          const arg = args[i] ?? '(missing)';
          if (!derived(arg, m.index)) {
            problems.push({
              line: lineOf(m.index),
              message: `${name}(...) argument ${i + 1} \`${shown(arg)}\` is used as a key but is not from KEYS`,
            });
          }
        }
      }
    }
  }
  return problems;
}
