/** Products: what is sold; prices and plans reference them. */
import { Effect } from "effect"
import type { ProductCreate, ProductUpdate } from "./domain/Product.js"
import { Product } from "./domain/Product.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { patch } from "../kernel/Patch.js"
import { makeRepository } from "../kernel/Repository.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { ProductRecords } from "./domain/Records.js"
import { notImported } from "../kernel/ProviderLink.js"

export class Products extends Effect.Service<Products>()("@billkit/core/Products", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(ProductRecords)

    const create = traced("Products.create")(function*(input: ProductCreate) {
      const now = yield* nowIso
      const product: Product = {
        id: yield* ids.next("product"),
        object: "product",
        ...notImported,
        name: input.name,
        description: input.description ?? null,
        taxType: input.taxType ?? "standard",
        physical: input.physical ?? false,
        active: input.active ?? true,
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now
      }
      return yield* repo.insert(product).pipe(Effect.orDie)
    })

    const update = traced("Products.update")(function*(id: string, input: ProductUpdate) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          const current = yield* repo.get(id, true)
          return yield* repo.update({ ...patch(current, input), updatedAt: yield* nowIso }).pipe(Effect.orDie)
        })
      )
    })

    const list = traced("Products.list")(function*(page: PageRequest, filters: { readonly active?: boolean; readonly connection?: string | undefined } = {}) {
      const where: Record<string, string> = {}
      if (filters.active !== undefined) where.status = filters.active ? "active" : "inactive"
      if (filters.connection !== undefined) where.connection = filters.connection
      return yield* repo.list(page, { where })
    })

    return { create, get: repo.get, find: repo.find, update, list } as const
  })
}) {}
