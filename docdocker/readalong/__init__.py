"""Read-along: record every step's output on a live engine, replay it where there is none.

:mod:`~docdocker.readalong.recordings` writes what each step showed (masked) while
a notebook runs live, loads it again on Binder, and says which recording a session
replays. It knows the core, not the nouns: the session decides when to replay.
"""
