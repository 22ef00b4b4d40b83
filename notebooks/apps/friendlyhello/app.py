"""Friendly Hello: the web app from Docker's getting-started guide.

Greets $NAME, shows which container answered (its hostname) and counts
visits in Redis. Without a reachable Redis the page still loads and says
"counter disabled", so the image runs on its own as well as under Compose.
"""

import os
import signal
import socket

from flask import Flask
from redis import Redis, RedisError
from redis.backoff import NoBackoff
from redis.retry import Retry

# "redis" is the service name in compose.yaml. The short timeouts, and no
# retries (redis-py retries three times with a growing pause by default),
# keep a missing Redis from stalling the page.
redis = Redis(host="redis", db=0, socket_connect_timeout=0.5, socket_timeout=0.5,
              retry=Retry(NoBackoff(), 0))

app = Flask(__name__)


@app.route("/")
def hello():
    try:
        visits = redis.incr("counter")
    except RedisError:
        visits = "<i>cannot connect to Redis, counter disabled</i>"

    return (
        f"<h3>Hello {os.getenv('NAME', 'World')}!</h3>"
        f"<b>Hostname:</b> {socket.gethostname()}<br/>"
        f"<b>Visits:</b> {visits}"
    )


if __name__ == "__main__":
    # `docker stop` sends SIGTERM. Python running as the container's PID 1
    # would ignore it and be killed 10 s later; treat it like Ctrl+C instead.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    app.run(host="0.0.0.0", port=80)
