import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Connection, ConnectionCreate, ConnectionUpdate, DeletedConnection } from "../domain/Connection.js"
import { StoredProviderObject, Sync, SyncedTypeSchema } from "../domain/Sync.js"
import { InstantParam } from "../../kernel/Instant.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)
const sync = HttpApiSchema.param("sync", Schema.String)

export class ConnectionsGroup extends HttpApiGroup.make("connections")
  .add(
    HttpApiEndpoint.post("create", "/v1/connections")
      .setPayload(ConnectionCreate)
      .addSuccess(Connection, { status: 201 })
      .annotate(OpenApi.Summary, "Connect a Stripe account")
      .annotate(OpenApi.Description, "Checks `secret_key` against Stripe (it retrieves the account) and stores it sealed (AES-256-GCM); " +
        "no response ever shows it again. Test keys only in test mode and live keys only in live mode (422 naming `secret_key`), " +
        "as for a key Stripe refuses. The first connection, or one with `default: true`, becomes the default. " +
        "409 when the account is already connected, or when the server has no encryption key.")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/connections")
      .setUrlParams(Schema.Struct(PageParams))
      .addSuccess(ListOf(Connection, "Connection"))
      .annotate(OpenApi.Summary, "List connections")
  )
  .add(HttpApiEndpoint.get("retrieve")`/v1/connections/${id}`.addSuccess(Connection).annotate(OpenApi.Summary, "Retrieve a connection"))
  .add(
    HttpApiEndpoint.post("update")`/v1/connections/${id}`
      .setPayload(ConnectionUpdate)
      .addSuccess(Connection)
      .annotate(OpenApi.Summary, "Update a connection")
      .annotate(OpenApi.Description, "Set or clear `webhook_secret`; `default: true` makes it the default connection.")
  )
  .add(
    HttpApiEndpoint.del("delete")`/v1/connections/${id}`
      .addSuccess(DeletedConnection)
      .annotate(OpenApi.Summary, "Delete a connection")
      .annotate(OpenApi.Description, "Forgets the key. Deleting the default leaves the project without one until another is made default.")
  )
  .add(
    HttpApiEndpoint.post("startSync")`/v1/connections/${id}/sync`
      .addSuccess(Sync, { status: 202 })
      .annotate(OpenApi.Summary, "Start an import")
      .annotate(OpenApi.Description, "Commits a `pending` run `sync_…` that imports customers, products, prices, subscriptions, invoices, " +
        "charges, refunds and balance transactions, a page at a time, resumable and idempotent; a worker (`billing.runSyncs()`, " +
        "the example server's loop) carries it out. 409 while another run of this connection is pending or running.")
  )
  .add(
    HttpApiEndpoint.get("listSyncs")`/v1/connections/${id}/syncs`
      .setUrlParams(Schema.Struct(PageParams))
      .addSuccess(ListOf(Sync, "Sync"))
      .annotate(OpenApi.Summary, "List a connection's imports")
  )
  .add(
    HttpApiEndpoint.get("retrieveSync")`/v1/connections/${id}/syncs/${sync}`
      .addSuccess(Sync)
      .annotate(OpenApi.Summary, "Retrieve an import")
      .annotate(OpenApi.Description, "Status, counts and progress per object type, errors, started/finished, and the drift found " +
        "between Billkit's payments and refunds and the account's charges and refunds.")
  )
  .add(
    HttpApiEndpoint.get("listObjects")`/v1/connections/${id}/objects`
      .setUrlParams(Schema.Struct({
        ...PageParams,
        type: Schema.optional(SyncedTypeSchema),
        from: Schema.optional(InstantParam),
        to: Schema.optional(InstantParam)
      }))
      .addSuccess(ListOf(StoredProviderObject, "ProviderObject"))
      .annotate(OpenApi.Summary, "List imported objects")
      .annotate(OpenApi.Description, "What the last imports stored of the account, by `type` and by creation time (`from`/`to`).")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Connections")
  .annotate(OpenApi.Description, "Stripe accounts a project reads from and charges through; keys are sealed at rest and never shown again.")
{}
