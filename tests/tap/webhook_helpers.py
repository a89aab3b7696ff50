"""Running tap-intercom in webhook mode as a real process, and talking to its receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import typing as t

import requests

from devstack.processes import free_port

SECRET = "intercom-client-secret-for-tests"

__all__ = ["SECRET", "WebhookTap", "free_port", "notification", "records", "sign", "states"]


def sign(body: bytes, secret: str = SECRET) -> str:
    """``X-Hub-Signature`` for ``body``, computed as Intercom documents it."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def notification(topic: str, item: dict[str, t.Any], *, nid: str, created_at: int) -> bytes:
    """A ``notification_event`` body in Intercom's shape."""
    return json.dumps(
        {
            "type": "notification_event",
            "app_id": "test-app",
            "data": {"type": "notification_event_data", "item": item},
            "links": {},
            "id": nid,
            "topic": topic,
            "delivery_status": "pending",
            "delivery_attempts": 1,
            "delivered_at": 0,
            "first_sent_at": created_at,
            "created_at": created_at,
            "self": None,
        }
    ).encode()


class WebhookTap:
    """``tap-intercom --config F [--state S]`` in webhook mode; stdout and stderr to files."""

    def __init__(
        self,
        workdir: pathlib.Path,
        config: dict[str, t.Any],
        *,
        state: dict[str, t.Any] | None = None,
        name: str = "tap",
        stdout: t.Any = None,
    ) -> None:
        self.workdir = workdir
        self.port = int(config["webhook_port"])
        self.url = f"http://127.0.0.1:{self.port}/intercom/webhooks"
        config_file = workdir / f"{name}.config.json"
        config_file.write_text(json.dumps(config))
        args = [sys.executable, "-m", "tap_intercom", "--config", str(config_file)]
        if state is not None:
            state_file = workdir / f"{name}.state.json"
            state_file.write_text(json.dumps(state))
            args += ["--state", str(state_file)]
        self.out_path = workdir / f"{name}.out.jsonl"
        self.err_path = workdir / f"{name}.err.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_INTERCOM_")}
        self._out = None if stdout is not None else self.out_path.open("wb")
        self._err = self.err_path.open("wb")
        self.process = subprocess.Popen(
            args,
            stdout=stdout if stdout is not None else self._out,
            stderr=self._err,
            env=env,
        )

    def wait_listening(self, timeout: float = 60) -> None:
        """Block until the receiver answers (a GET gets 405)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                msg = f"the tap exited: {self.stderr()[-2000:]}"
                raise AssertionError(msg)
            try:
                requests.get(self.url, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        msg = "the receiver never answered"
        raise AssertionError(msg)

    def post(self, body: bytes, signature: str | None = None) -> requests.Response:
        """Deliver ``body`` signed with the test secret (or ``signature``)."""
        headers = {"Content-Type": "application/json"}
        headers["X-Hub-Signature"] = signature if signature is not None else sign(body)
        return requests.post(self.url, data=body, headers=headers, timeout=10)

    def wait_emitted(self, position: int, timeout: float = 60) -> None:
        """Block until a STATE covers spool ``position`` (its records went out before it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for value in states(self.messages()):
                if (
                    value.get("bookmarks", {}).get("webhook_spool", {}).get("position", 0)
                    >= position
                ):
                    return
            if self.process.poll() is not None:
                msg = f"the tap exited: {self.stderr()[-2000:]}"
                raise AssertionError(msg)
            time.sleep(0.05)
        msg = f"no STATE reached spool position {position}"
        raise AssertionError(msg)

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM; the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> None:
        """kill -9."""
        self.process.kill()
        self.wait(30)

    def wait(self, timeout: float = 60) -> int:
        """Wait for the exit; close the output files; the exit status."""
        status = self.process.wait(timeout)
        for handle in (self._out, self._err):
            if handle is not None:
                handle.close()
        return status

    def stderr(self) -> str:
        """What the tap logged."""
        return self.err_path.read_text(errors="replace")

    def messages(self) -> list[dict[str, t.Any]]:
        """The Singer messages written so far (a line still being written is left out)."""
        text = self.out_path.read_text() if self.out_path.exists() else ""
        lines = text.split("\n")[:-1]
        return [json.loads(line) for line in lines if line.strip()]


def records(messages: list[dict[str, t.Any]], stream: str) -> list[dict[str, t.Any]]:
    """RECORD payloads of one stream."""
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]


def states(messages: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
    """STATE values in order."""
    return [m["value"] for m in messages if m["type"] == "STATE"]


def webhook_config(
    api_url: str, token: str, spool: pathlib.Path, **extra: t.Any
) -> dict[str, t.Any]:
    """A webhook-mode config for the sandbox at ``api_url``."""
    return {
        "access_token": token,
        "api_url": api_url,
        "mode": "webhooks",
        "webhook_host": "127.0.0.1",
        "webhook_port": free_port(),
        "webhook_client_secret": SECRET,
        "webhook_spool_dir": str(spool),
        **extra,
    }
