"""The framework-neutral runtime, handed its config: ASGI, the serving story, pools, caches, metrics."""
