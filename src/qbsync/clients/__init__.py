"""HTTP clients: one HTTP layer (retries, limits, idempotency, redaction) under the QBO, Suprata and OAuth clients."""
