/** How events are stored: the one definition every repository of them is made from. */
import * as Collections from "../../kernel/Collections.js"
import { StoredEvent } from "./Event.js"

export const EventRecords = Collections.records({
  collection: Collections.Events,
  schema: StoredEvent,
  resource: "event",
  index: (e) => ({ type: e.type, subject: e.subject, created_at: e.createdAt, dispatch: e.dispatched === false ? "0" : null })
})
