"""The session: what a notebook talks to.

:class:`~docdocker.session.tutorial.Tutorial` is the engine core with every Docker
noun's verbs, given the translation rules; ``connect()`` makes one the way the
``docker`` CLI would, or, where no engine answers, a read-along session that replays
the recorded outputs.
"""
