"""HTTP routes, one router per resource. Routers carry the full /api/v1 prefix themselves so
metrics label requests by the full route template."""

API_V1 = "/api/v1"
