"""The grammars: pure parsers of what a learner types, with errors that say what was expected.

Image references (:mod:`~docdocker.grammar.reference`), ``-p`` specs
(:mod:`~docdocker.grammar.ports`), command strings split as ``sh`` splits them
(:mod:`~docdocker.grammar.shell`) and where each Dockerfile instruction starts
(:mod:`~docdocker.grammar.dockerfile`). They import only :mod:`docdocker.base`.
"""
