/** What other features may use of events (generated from their imports; keep it to that). */
export { Events } from "./Events.js"
export { EventsGroup } from "./http/EventsApi.js"
export { Event, StoredEvent, eventTypes, type EventType } from "./domain/Event.js"
