"""What inspect, history, exec and logs show never holds a password."""

from __future__ import annotations

import subprocess
from pathlib import Path

from docdocker.session.tutorial import Tutorial as Engine


def test_inspect_history_exec_and_logs_mask_the_password(
        engine: Engine, notebook: str, tmp_path: Path) -> None:
    name, tag = f"sec-{notebook}", f"sec-{notebook}:1"
    (tmp_path / "Dockerfile").write_text(
        f"FROM busybox\nARG DB_PASSWORD\nRUN echo {notebook} $DB_PASSWORD > /x\n")
    engine.build(str(tmp_path), tag=tag, buildargs={"DB_PASSWORD": "hunter2"})
    try:
        engine.run(tag, ["sh", "-c", "echo DB_PASSWORD=$DB_PASSWORD; sleep 60"], detach=True,
                   name=name, env={"DB_PASSWORD": "hunter2",
                                   "DATABASE_URL": "postgres://u:hunter2@db/x"})
        # The container got the real value: masking is only in what is shown.
        real = subprocess.run(["docker", "exec", name, "env"], capture_output=True,
                              text=True, timeout=60).stdout
        assert "DB_PASSWORD=hunter2" in real
        shown = [engine.inspect(name), engine.inspect(name, format="{{.Config.Env}}"),
                 engine.history(tag, no_trunc=True), engine.exec(name, "env")]
        for result in shown:
            text = repr(result) + result._repr_html_() + repr(result.value) + result.output
            assert "hunter2" not in text, result.cli
        assert "DB_PASSWORD=******" in repr(engine.exec(name, "env"))
        assert "postgres://u:******@db/x" in repr(engine.inspect(name))
        logs = engine.logs(name)
        assert "hunter2" not in repr(logs) and "DB_PASSWORD=******" in repr(logs)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
        subprocess.run(["docker", "rmi", tag], capture_output=True, timeout=60)
