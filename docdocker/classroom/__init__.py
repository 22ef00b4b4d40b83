"""The classroom kit: one instructor prepares a room of laptops on a slow network.

``python -m docdocker classroom images|bundle|load|mirror|status``; each part is
built on the engine (it executes steps) and the real ``docker save``/``load`` and
``registry:2``:

* :mod:`~docdocker.classroom.catalog`: the images the notebooks use, read from them;
* :mod:`~docdocker.classroom.bundle`: one checked archive for a USB stick;
* :mod:`~docdocker.classroom.mirror`: a registry mirror on the instructor's machine;
* :mod:`~docdocker.classroom.status`: one machine's readiness, in one screen;
* :mod:`~docdocker.classroom.cli`: the command line.
"""
