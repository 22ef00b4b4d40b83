"""The base every layer stands on: errors, HTML rendering and the secrets rule.

Nothing here imports anything else of docdocker.
"""
