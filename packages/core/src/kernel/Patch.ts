/** PATCH semantics: a field the input omits keeps its value; `null` clears it. */
export const patch = <A extends object>(base: A, changes: { readonly [K in keyof A]?: A[K] | undefined }): A => {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) }
  for (const [k, v] of Object.entries(changes)) if (v !== undefined) out[k] = v
  return out as A
}
