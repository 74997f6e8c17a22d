/** Command-line flags of `npm run bench`: benchmark names, then `--name value` or `--name=value`. */

export interface ParsedArgs {
  readonly names: string[];
  readonly flags: ReadonlyMap<string, string>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const names: string[] = [];
  const flags = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (!arg.startsWith('--')) {
      names.push(arg);
      continue;
    }

    const equals = arg.indexOf('=');
    if (equals > 0) {
      flags.set(arg.slice(2, equals), arg.slice(equals + 1));
      continue;
    }
    const next = argv[index + 1];
    if (next === undefined || next.startsWith('--')) {
      flags.set(arg.slice(2), 'true');
    } else {
      flags.set(arg.slice(2), next);
      index++;
    }
  }

  return { names, flags };
}

/** Reads flags of one benchmark, rejecting values outside the limits that keep a run bounded. */
export class Flags {
  readonly #flags: ReadonlyMap<string, string>;
  readonly #used = new Set<string>();

  constructor(flags: ReadonlyMap<string, string>) {
    this.#flags = flags;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    this.#used.add(name);
    const raw = this.#flags.get(name);
    if (raw === undefined) return fallback;

    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`--${name} is ${JSON.stringify(raw)}; set it to an integer from ${min} to ${max}`);
    }

    return value;
  }

  integerList(name: string, fallback: readonly number[], min: number, max: number): number[] {
    this.#used.add(name);
    const raw = this.#flags.get(name);
    if (raw === undefined) return [...fallback];

    const values = raw.split(',').map((part) => Number(part.trim()));
    if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < min || value > max)) {
      throw new Error(`--${name} is ${JSON.stringify(raw)}; set it to comma-separated integers from ${min} to ${max}`);
    }

    return values;
  }

  /** Names of flags given on the command line that no benchmark read. */
  unused(): string[] {
    return [...this.#flags.keys()].filter((name) => !this.#used.has(name));
  }
}
