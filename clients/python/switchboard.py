"""Switchboard client for Python agents: report events, ask a person, wait for the answer.

One file, standard library only (Python >= 3.8): copy it next to your agent.

    from switchboard import Switchboard
    sb = Switchboard("http://127.0.0.1:3000", token=os.environ.get("SWITCHBOARD_TOKEN"))
    agent = sb.agent("lint", name="Lint utils.py")
    agent.started()
    with agent.tool("ruff", {"file": "cli.py"}) as call:
        call.result = run_ruff()
    answer = agent.ask("Which docstring style?", options=["google", "numpy"], timeout_s=600)
    agent.completed(f"done in {answer.text} style")

Every call is synchronous. Events get their ids before the first attempt, so a retry is a
duplicate to the server, never shown twice. Unreachable server, 5xx, 408 and 429 are retried
(capped, jittered backoff; at least Retry-After); other 4xx raise HTTPError with the server's reason.
"""
from __future__ import annotations

import contextlib
import email.utils
import http.client
import itertools
import json
import random
import time
import types
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

#: Long-poll window of GET /api/questions/{msg_id}?wait= (the server allows up to 60 s).
POLL_WAIT_S = 30
#: When the server is unreachable at a question's deadline, give up this much later: its verdict should win.
LOCAL_GRACE_S = 2.0
#: A Retry-After larger than this is capped (a misconfigured proxy must not park an agent for a day).
MAX_RETRY_AFTER_S = 120.0
QUESTION_STATES = ("pending", "answered", "timeout", "cancelled")


class SwitchboardError(Exception):
    """Base of every error this module raises."""


class HTTPError(SwitchboardError):
    """Switchboard refused the request (a 4xx it will refuse again): bad input, wrong token, no such route."""
    def __init__(self, status: int, route: str, reason: str, field: Optional[str] = None, body: Any = None):
        super().__init__(f"{route} -> {status}: {reason}")
        self.status, self.route, self.reason, self.field, self.body = status, route, reason, field, body


class Unavailable(SwitchboardError):
    """The server stayed unreachable (or busy) for longer than the call's retry budget."""


class AskTimeout(SwitchboardError):
    """The question timed out on the server (or locally, when the server stayed unreachable past it)."""
    def __init__(self, msg_id: str, timeout_s: Optional[float]):
        super().__init__(f"question {msg_id} was not answered within {timeout_s} s")
        self.msg_id, self.timeout_s = msg_id, timeout_s


class AskCancelled(SwitchboardError):
    """The question was withdrawn (its agent ended, or a run was abandoned) before anyone answered."""
    def __init__(self, msg_id: str):
        super().__init__(f"question {msg_id} was cancelled")
        self.msg_id = msg_id


@dataclass(frozen=True)
class Ingested:
    """POST /api/events: how many events were new, how many the server already had (same id)."""
    accepted: int
    duplicates: int


@dataclass(frozen=True)
class QuestionStatus:
    """GET /api/questions/{msg_id}."""
    msg_id: str
    status: str
    agent_id: Optional[str] = None
    question: Optional[str] = None
    options: List[str] = field(default_factory=list)
    created_at: Optional[float] = None  # epoch ms
    timeout_s: Optional[float] = None
    answer: Union[str, Dict[str, Any], None] = None  # text; {approved, comment?}; a form's values
    responded_at: Optional[float] = None  # epoch ms
    kind: Optional[str] = None  # text | options | approval | form
    answered_by: Optional[str] = None


def summary(value: Any) -> str:
    """A typed answer in words: the text, "Approved" / "Denied: comment", or a form's "key: value" pairs."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    if isinstance(value.get("approved"), bool) and set(value) <= {"approved", "comment"}:
        return ("Approved" if value["approved"] else "Denied") + (f": {value['comment']}" if value.get("comment") else "")
    return ", ".join(f"{k}: {v if isinstance(v, str) else json.dumps(v)}" for k, v in value.items())


@dataclass(frozen=True)
class Answer:
    """What a person answered; str(answer) is the text. `value` is typed: a str, {approved, comment?} or the form's values."""
    msg_id: str
    text: str
    responded_at: Optional[float] = None
    value: Union[str, Dict[str, Any], None] = None
    answered_by: Optional[str] = None

    def __str__(self) -> str:
        return self.text


def new_id(prefix: str = "ev") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"  # random: ids must not repeat across processes and restarts


def make_event(category: str, action: str, agent_id: Optional[str] = None, payload: Optional[Dict[str, Any]] = None, **ids: Any) -> Dict[str, Any]:
    """An event with a fresh id and the current time (epoch ms); ids: graph_id, node_id, session_id, id, timestamp."""
    event = {"id": new_id(), "timestamp": int(time.time() * 1000), "category": category, "action": action, "payload": payload or {}}
    if agent_id is not None:
        event["agent_id"] = agent_id
    event.update({k: v for k, v in ids.items() if v is not None})
    return event


def parse_status(msg_id: str, body: Any) -> Optional[QuestionStatus]:
    """A QuestionStatus from a response body, or None when the body is not one (odd JSON, a proxy's page)."""
    if not isinstance(body, dict) or body.get("status") not in QUESTION_STATES:
        return None

    def typed(key: str, *kinds: type) -> Any:
        value = body.get(key)
        return value if isinstance(value, kinds) and not isinstance(value, bool) else None

    options = body.get("options")
    return QuestionStatus(
        msg_id=msg_id, status=body["status"], agent_id=typed("agent_id", str), question=typed("question", str),
        options=[o for o in options if isinstance(o, str)] if isinstance(options, list) else [],
        created_at=typed("created_at", int, float), timeout_s=typed("timeout_s", int, float),
        answer=typed("answer", str, dict), responded_at=typed("responded_at", int, float),
        kind=typed("kind", str), answered_by=typed("answered_by", str),
    )


def refusal(status: int, route: str, body: Any) -> HTTPError:
    """The server's reason ({error, field?}) as an HTTPError; any other body is quoted, shortened."""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        field_name = body.get("field")
        return HTTPError(status, route, body["error"], field_name if isinstance(field_name, str) else None, body)
    text = body if isinstance(body, str) else "" if body is None else json.dumps(body)
    return HTTPError(status, route, text.strip()[:300] or f"HTTP {status}", None, body)


def retry_after(value: Optional[str]) -> Optional[float]:
    """Retry-After as seconds (delta-seconds or an HTTP date), capped; None when absent or unreadable."""
    value = (value or "").strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        return max(0.0, min(email.utils.parsedate_to_datetime(value).timestamp() - time.time(), MAX_RETRY_AFTER_S))
    except (TypeError, ValueError, AttributeError):  # not a date (Python 3.8 returns None for some)
        return None


class _Retry(Exception):
    """A transient failure: the same request may succeed later."""
    def __init__(self, reason: str, after: Optional[float] = None):
        super().__init__(reason)
        self.reason, self.after = reason, after


class Switchboard:
    """A connection to one Switchboard. retry_for: seconds report() and status() retry an unreachable or failing
    server before raising Unavailable (None: forever); ask() waits through outages until its timeout_s, or forever.
    on_retry(reason, delay_s) is called before each wait between attempts (for logs, or tests)."""

    def __init__(self, url: str, token: Optional[str] = None, *, retry_for: Optional[float] = 60.0, base_delay: float = 0.1,
                 max_delay: float = 5.0, request_timeout: float = 10.0, on_retry: Optional[Callable[[str, float], None]] = None):
        self.url, self.token, self.retry_for, self.on_retry = url.rstrip("/"), token, retry_for, on_retry
        self.base_delay, self.max_delay, self.request_timeout = base_delay, max_delay, request_timeout

    def report(self, events: Union[Dict[str, Any], Sequence[Dict[str, Any]]]) -> Ingested:
        """POST /api/events: one event or a list, retried until accepted; HTTPError if refused (400 names the field)."""
        batch = [events] if isinstance(events, dict) else list(events)
        # Ids and timestamps are fixed here, before the first attempt: every retry sends the same ids.
        batch = [{"id": new_id(), "timestamp": int(time.time() * 1000), "payload": {}, **e} for e in batch]
        deadline = None if self.retry_for is None else time.monotonic() + self.retry_for
        return self._report(batch, deadline)

    def _report(self, batch: List[Dict[str, Any]], deadline: Optional[float]) -> Ingested:
        try:
            status, body = self._retrying(lambda: self._send("POST", "/api/events", batch), deadline)
        except HTTPError as error:
            # Over the server's 1 MB limit: halves fit, so split rather than lose the batch.
            if error.status != 413 or len(batch) < 2:
                raise
            half = (len(batch) + 1) // 2
            a, b = self._report(batch[:half], deadline), self._report(batch[half:], deadline)
            return Ingested(a.accepted + b.accepted, a.duplicates + b.duplicates)
        if status == 404:
            raise refusal(404, "POST /api/events", body)
        counts = body if isinstance(body, dict) else {}
        return Ingested(*[counts[k] if isinstance(counts.get(k), int) else 0 for k in ("accepted", "duplicates")])

    def agent(self, agent_id: str, *, name: Optional[str] = None, graph_id: Optional[str] = None, session_id: Optional[str] = None) -> "Agent":
        return Agent(self, agent_id, name=name, graph_id=graph_id, session_id=session_id)

    def graph(self, graph_id: str, agents: Sequence[Dict[str, Any]]) -> Ingested:
        """Announce a run: graph:started with its agents [{agent_id, name?, depends_on?}]."""
        return self.report(make_event("graph", "started", graph_id=graph_id, payload={"agents": list(agents)}))

    def ask(self, agent_id: str, question: str, *, options: Optional[Sequence[str]] = None, timeout_s: Optional[float] = None,
            msg_id: Optional[str] = None, graph_id: Optional[str] = None, wait_s: float = POLL_WAIT_S, kind: Optional[str] = None,
            schema: Optional[Dict[str, Any]] = None, context: Optional[str] = None, details: Any = None) -> Answer:
        """Block until a person answers on the dashboard, through Switchboard restarts. The msg_id is fixed
        before the first request, so a retry or a re-ask (after the server lost its database) names the
        same question. Raises AskTimeout, AskCancelled, or HTTPError when the question is refused."""
        msg_id = msg_id or f"q-{uuid.uuid4()}"
        fields = {"agent_id": agent_id, "question": question, "msg_id": msg_id, "options": None if options is None else list(options),
                  "timeout_s": timeout_s, "graph_id": graph_id, "kind": kind, "schema": schema, "context": context, "details": details}
        body = {k: v for k, v in fields.items() if v is not None}
        deadline = None if timeout_s is None else time.monotonic() + timeout_s + LOCAL_GRACE_S
        self._post_question(body, deadline)
        path = f"/api/questions/{urllib.parse.quote(msg_id, safe='')}?wait={wait_s:g}"
        while True:
            status, reply = self._retrying(lambda: self._send("GET", path, timeout=wait_s + self.request_timeout), deadline, timeout_s, msg_id)
            if status == 404:  # a server that restarted onto an empty database: ask again, same msg_id
                self._post_question(body, deadline)
                continue
            current = parse_status(msg_id, reply)
            if current is None:
                self._pause(_Retry(f"GET {path}: not a question status: {str(reply)[:100]}"), 0, deadline, timeout_s, msg_id)
            elif current.status == "answered":
                return Answer(msg_id, summary(current.answer), current.responded_at, current.answer, current.answered_by)
            elif current.status == "timeout":
                raise AskTimeout(msg_id, timeout_s)
            elif current.status == "cancelled":
                raise AskCancelled(msg_id)

    def status(self, msg_id: str, wait_s: float = 0) -> Optional[QuestionStatus]:
        """GET /api/questions/{msg_id}[?wait=]: the question's status, or None when the server has no such question."""
        path = f"/api/questions/{urllib.parse.quote(msg_id, safe='')}" + (f"?wait={wait_s:g}" if wait_s else "")
        deadline = None if self.retry_for is None else time.monotonic() + self.retry_for
        status, body = self._retrying(lambda: self._send("GET", path, timeout=wait_s + self.request_timeout), deadline)
        if status == 404:
            return None
        parsed = parse_status(msg_id, body)
        if parsed is None:
            raise SwitchboardError(f"GET {path}: not a question status: {str(body)[:200]}")
        return parsed

    def _post_question(self, body: Dict[str, Any], deadline: Optional[float]) -> None:
        status, reply = self._retrying(lambda: self._send("POST", "/api/questions", body), deadline, body.get("timeout_s"), body["msg_id"])
        if status == 404:  # no Switchboard behind this url (a wrong path or proxy): retrying will not help
            raise refusal(404, "POST /api/questions", reply)

    def _retrying(self, attempt: Callable[[], Tuple[int, Any]], deadline: Optional[float], timeout_s: Optional[float] = None,
                  msg_id: Optional[str] = None) -> Tuple[int, Any]:
        for n in itertools.count():
            try:
                return attempt()
            except _Retry as failure:
                self._pause(failure, n, deadline, timeout_s, msg_id)
        raise AssertionError("itertools.count() ended")

    def _pause(self, failure: _Retry, n: int, deadline: Optional[float], timeout_s: Optional[float], msg_id: Optional[str]) -> None:
        """Wait before the next attempt (equal-jitter backoff, at least Retry-After), or give up at the deadline."""
        step = min(self.max_delay, self.base_delay * 2 ** min(n, 30))
        delay = max(step / 2 + random.random() * step / 2, failure.after or 0.0)
        if deadline is not None and time.monotonic() + delay > deadline:
            if msg_id is not None:
                raise AskTimeout(msg_id, timeout_s)
            raise Unavailable(f"gave up after {self.retry_for} s: {failure.reason}")
        if self.on_retry is not None:
            self.on_retry(failure.reason, delay)
        time.sleep(delay)

    def _send(self, method: str, path: str, body: Any = None, timeout: Optional[float] = None) -> Tuple[int, Any]:
        """One request: (status, parsed body) for 2xx and 404; _Retry when it may work later; HTTPError otherwise."""
        route = f"{method} {path.split('?')[0]}"
        headers = {"accept": "application/json", "content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.request_timeout) as response:
                return response.status, _decode(response.read())
        except urllib.error.HTTPError as error:
            try:
                reply = _decode(error.read())
            except (OSError, http.client.HTTPException) as cut:
                raise _Retry(f"{route} -> {error.code}, body cut off: {cut}") from None
            if error.code >= 500 or error.code in (408, 429):
                raise _Retry(f"{route} -> {error.code}: {refusal(error.code, route, reply).reason}", retry_after(error.headers.get("retry-after"))) from None
            if error.code == 404:
                return 404, reply
            raise refusal(error.code, route, reply) from None
        except (OSError, http.client.HTTPException) as error:
            # Refused, reset, timed out, or cut off mid-body: the server may be restarting.
            raise _Retry(f"{route}: {type(error).__name__}: {error}") from None


def _decode(raw: bytes) -> Any:
    """JSON when it parses, else the text (a proxy's error page) for the error message."""
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


class Agent:
    """One agent's reporter: lifecycle, tool and model events with its ids filled in, and ask()."""

    def __init__(self, client: Switchboard, agent_id: str, *, name: Optional[str] = None, graph_id: Optional[str] = None, session_id: Optional[str] = None):
        self.client, self.agent_id, self.name, self.graph_id, self.session_id = client, agent_id, name, graph_id, session_id

    def emit(self, category: str, action: str, payload: Optional[Dict[str, Any]] = None) -> Ingested:
        return self.client.report(make_event(category, action, self.agent_id, payload, graph_id=self.graph_id, session_id=self.session_id))

    def started(self) -> Ingested:
        return self.emit("agent", "started", {"name": self.name} if self.name else {})

    @contextlib.contextmanager
    def tool(self, tool: str, args: Any = None) -> Iterator[types.SimpleNamespace]:
        """with agent.tool("ruff", {...}) as call: call.result = ...  -> tool:called, then completed (or failed, re-raised)."""
        self.emit("tool", "called", {"tool": tool} if args is None else {"tool": tool, "args": args})
        call = types.SimpleNamespace(result=None)
        try:
            yield call
        except BaseException as error:
            self.emit("tool", "failed", {"tool": tool, "error": str(error) or type(error).__name__})
            raise
        self.emit("tool", "completed", {"tool": tool} if call.result is None else {"tool": tool, "result": call.result})

    def model(self, model: str, tokens: Optional[int] = None) -> None:
        self.emit("model", "request", {"model": model})
        self.emit("model", "response", {"model": model} if tokens is None else {"model": model, "tokens": tokens})

    def completed(self, result: Any = None) -> Ingested:
        return self.emit("agent", "completed", {} if result is None else {"result": result})

    def failed(self, error: Union[str, BaseException]) -> Ingested:
        return self.emit("agent", "failed", {"error": str(error) or type(error).__name__})

    def ask(self, question: str, **options: Any) -> Answer:
        return self.client.ask(self.agent_id, question, graph_id=self.graph_id, **options)
