/** Cursor pagination shared by every list: `limit`, `starting_after` / `ending_before`, totals. */
export interface PageRequest {
  readonly limit: number
  readonly startingAfter?: string
  readonly endingBefore?: string
  readonly includeTotal?: boolean
}

export interface Page<A> {
  readonly data: ReadonlyArray<A>
  readonly hasMore: boolean
  /** The cursor that continues in the same direction: the last id going forward, the first going back. */
  readonly nextCursor: string | null
  readonly total?: number
}

export const defaultPage: PageRequest = { limit: 50 }

export const nextCursorOf = <A extends { readonly id: string }>(
  data: ReadonlyArray<A>,
  hasMore: boolean,
  backwards: boolean
): string | null => (!hasMore || data.length === 0 ? null : backwards ? data[0].id : data[data.length - 1].id)
