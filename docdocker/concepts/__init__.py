"""The concepts: one module per Docker noun, its steps, the handlers that run them, its verbs.

Each module declares its steps (:mod:`docdocker.core.steps`), registers the function
that executes each with :func:`docdocker.core.engine.handles`, and adds its verbs to
the engine as a ``...Commands`` class the session combines. Beside the nouns: the
registry's HTTP API (:mod:`~docdocker.concepts.registry_api`) and fetching a published
page (:mod:`~docdocker.concepts.web`).
"""
