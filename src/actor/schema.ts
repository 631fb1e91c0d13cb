/**
 * The Standard Schema interface (standardschema.dev), which zod, valibot, arktype and others
 * implement. The spec asks libraries to copy it rather than depend on a package.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardResult<Output> =
  { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** Checks a handler's argument list against its schema: the validated args, or what is wrong. */
export function validateArgs(
  schema: StandardSchemaV1,
  args: unknown[],
): { ok: true; args: unknown[] } | { ok: false; error: string } {
  const result = schema['~standard'].validate(args);
  if (result instanceof Promise) {
    return {
      ok: false,
      error: 'the schema validates asynchronously; handlers take synchronous schemas only',
    };
  }
  if (result.issues) {
    const issues = result.issues.map((i) => {
      const path = (i.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
      return path ? `args.${path}: ${i.message}` : i.message;
    });
    return { ok: false, error: issues.join('; ') };
  }
  return Array.isArray(result.value)
    ? { ok: true, args: result.value }
    : { ok: false, error: 'the schema must describe the argument list as a tuple (an array)' };
}
