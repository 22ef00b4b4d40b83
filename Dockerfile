# The docdocker tutorial as an image: JupyterLab, the notebooks, the docdocker
# package and the docker CLI (with buildx and compose), talking to *your* Docker
# Engine through its socket. See "Start the tutorial with Docker only" in README.md.
#
#   docker build -t docdocker .
#
# Offline (no PyPI from inside the build): fill image/wheels/ first with
# `sh image/download-wheels.sh`; pip looks there before PyPI either way.

# --- Stage 1: the Python packages, installed into a virtual environment that the
# final image copies whole, so the wheels themselves are not left in any layer.
FROM python:3.11-slim AS packages
# --without-pip: the environment borrows the base image's pip
# (--system-site-packages) instead of needing ensurepip.
RUN python3 -m venv --without-pip --system-site-packages /opt/venv
# The pins change rarely, the package often: install the pins first so that an
# edit to docdocker/ reuses this layer.
COPY requirements.txt /src/requirements.txt
COPY image/wheels/ /wheels-build/
RUN /opt/venv/bin/python -m pip install --no-cache-dir --disable-pip-version-check \
      --find-links /wheels-build -r /src/requirements.txt
COPY pyproject.toml README.md /src/
COPY docdocker/ /src/docdocker/
RUN /opt/venv/bin/python -m pip install --no-cache-dir --disable-pip-version-check \
      --find-links /wheels-build --no-deps /src

# --- Stage 2: the tutorial image.
FROM python:3.11-slim
# The docker CLI and its plugins, at the paths the official docker:cli image uses,
# so `docker build` is BuildKit through buildx and `docker compose` is the plugin.
COPY --from=docker:cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=docker:cli /usr/local/libexec/docker/cli-plugins/ /usr/local/libexec/docker/cli-plugins/
# JupyterLab runs as this user, never as root; the entrypoint adds it to the group
# that owns the mounted socket. /home/learner/work is where the named volume goes:
# created here, owned by the learner, so a new volume starts with that owner.
RUN useradd --create-home --uid 1000 --shell /bin/bash learner \
    && mkdir /home/learner/work && chown learner:learner /home/learner/work
COPY --from=packages /opt/venv /opt/venv
# The notebooks as the image ships them; the entrypoint copies them into the work
# volume without overwriting a notebook the learner changed.
COPY notebooks/ /opt/docdocker/notebooks/
COPY image/entrypoint.py /opt/docdocker/
COPY image/jupyter_server_config.py /etc/jupyter/jupyter_server_config.py
# Exercise progress lives in the work volume too (XDG_DATA_HOME), so it survives
# `docker rm` of the container.
ENV PATH=/opt/venv/bin:$PATH \
    DOCDOCKER_IMAGE=1 \
    XDG_DATA_HOME=/home/learner/work/.local/share \
    JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime \
    SHELL=/bin/bash
WORKDIR /home/learner/work
EXPOSE 8888
# Starts as root only to join the socket's group; then runs as `learner`.
ENTRYPOINT ["/opt/venv/bin/python", "/opt/docdocker/entrypoint.py"]
CMD ["jupyter", "lab"]
