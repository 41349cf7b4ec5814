"""The customer gateway (gateway.md): one ASGI app over the same services as the console.

``app.create_app`` builds it; ``server.run_cli`` is ``smsconsole serve``.
"""
