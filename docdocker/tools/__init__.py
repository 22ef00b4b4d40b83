"""The tools, built on the engine (they execute steps), never on the SDK directly.

:mod:`~docdocker.tools.doctor` checks that a machine is ready,
:mod:`~docdocker.tools.reset` removes what the tutorial created, and
:mod:`~docdocker.tools.lesson` gives a lesson its shape (mistakes made on purpose,
a size chart, clean-up on request).
"""
