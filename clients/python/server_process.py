"""A real Switchboard for the Python client's tests: `bun run src/main.ts --no-demo` as a child process,
on a port and database of the test's choosing, plus the HTTP calls a person makes on the dashboard."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAIN = os.path.join(ROOT, "src", "main.ts")
#: `npm test` passes the bun it runs under; otherwise the one npm installed.
BUN = os.environ.get("SWITCHBOARD_BUN") or os.path.join(ROOT, "node_modules", ".bin", "bun")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def temp_db() -> str:
    return os.path.join(tempfile.mkdtemp(prefix="switchboard-py-"), "switchboard.db")


def wait_for(condition, what: str, timeout: float = 15.0):
    """Poll condition() until it returns something truthy; fail naming `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class ServerProcess:
    def __init__(self, port: int = 0, db: str = "", token: str = ""):
        self.port, self.db, self.token = port or free_port(), db or temp_db(), token
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.output = []

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        env = {**os.environ, "PORT": str(self.port), "HOST": "127.0.0.1", "SWITCHBOARD_DB": self.db}
        env.pop("SWITCHBOARD_TOKEN", None)
        if self.token:
            env["SWITCHBOARD_TOKEN"] = self.token
        self.proc = subprocess.Popen([BUN, "run", MAIN, "--no-demo"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        listening = threading.Event()

        def pump(stream):
            for line in stream:
                self.output.append(line)
                if "listening on" in line:
                    listening.set()
            stream.close()
            listening.set()  # exited: start() reports it

        self.pump = threading.Thread(target=pump, args=(self.proc.stdout,), daemon=True)
        self.pump.start()
        if not listening.wait(timeout) or self.proc.poll() is not None:
            self.kill()
            raise RuntimeError(f"switchboard did not start on {self.url}:\n{''.join(self.output)}")
        return self

    def kill(self) -> None:
        """kill -9: no shutdown, no goodbye to open requests."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait(10)
            self.pump.join(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
                self.pump.join(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def request(self, method: str, path: str, body=None):
        """(status, parsed JSON) of one request, errors included."""
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, json.loads(res.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def respond(self, agent_id: str, msg_id: str, answer) -> int:
        """Answer a question as a person does from the dashboard (the same route the card posts to)."""
        return self.request("POST", f"/agent/{urllib.parse.quote(agent_id, safe='')}/respond", {"msg_id": msg_id, "answer": answer})[0]

    def question(self, msg_id: str):
        status, body = self.request("GET", f"/api/questions/{urllib.parse.quote(msg_id, safe='')}")
        return body if status == 200 else None

    def wait_for_question(self, msg_id: str, status: str = "pending"):
        return wait_for(lambda: (q := self.question(msg_id)) and q["status"] == status and q, f"question {msg_id} {status}")

    def kinds(self, agent_id: str):
        """The stored events of one agent, as category:action, oldest first."""
        _, body = self.request("GET", f"/api/events?agent_id={urllib.parse.quote(agent_id, safe='')}")
        return [f"{e['category']}:{e['action']}" for e in body["events"]]
