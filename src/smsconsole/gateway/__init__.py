"""The customer gateway: one ASGI application over the services (see spec gateway.md)."""
