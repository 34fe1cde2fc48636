/** What other features may use of portal (generated from their imports; keep it to that). */
