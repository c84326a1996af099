"""switchboard.py against one real Switchboard process: events, questions, refusals, a busy store."""
import sqlite3
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor

from server_process import ServerProcess, wait_for
from switchboard import (Answer, AskCancelled, AskTimeout, HTTPError, Ingested, QuestionStatus, Switchboard, make_event,
                         parse_status, refusal, retry_after)


class AgainstOneServer(unittest.TestCase):
    server: ServerProcess

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess().start()
        cls.pool = ThreadPoolExecutor(4)

    @classmethod
    def tearDownClass(cls):
        cls.pool.shutdown(wait=False, cancel_futures=True)
        cls.server.stop()

    def client(self, **options) -> Switchboard:
        return Switchboard(self.server.url, base_delay=0.01, max_delay=0.2, **options)


class Reporting(AgainstOneServer):
    def test_an_agents_lifecycle_reaches_the_dashboard(self):
        agent = self.client().agent("py-lint", name="Lint utils.py")
        self.assertEqual(agent.started(), Ingested(accepted=1, duplicates=0))
        with agent.tool("ruff", {"file": "cli.py"}) as call:
            call.result = {"issues": 0}
        with self.assertRaises(ValueError):
            with agent.tool("mypy"):
                raise ValueError("no stubs for yaml")
        agent.model("claude-sonnet", tokens=1200)
        agent.completed("clean")
        self.assertEqual(self.server.kinds("py-lint"), [
            "agent:started", "tool:called", "tool:completed", "tool:called", "tool:failed", "model:request", "model:response", "agent:completed",
        ])
        _, snapshot = self.server.request("GET", "/api/snapshot")
        badge = next(a for a in snapshot["agents"] if a["agent_id"] == "py-lint")
        self.assertEqual((badge["name"], badge["state"], badge["tool_calls"], badge["model_calls"]), ("Lint utils.py", "done", 2, 1))

    def test_a_repeated_report_is_a_duplicate_never_a_second_event(self):
        events = [make_event("agent", "started", "py-dup"), make_event("tool", "called", "py-dup", {"tool": "pytest"})]
        sb = self.client()
        self.assertEqual(sb.report(events), Ingested(2, 0))
        self.assertEqual(sb.report(events), Ingested(0, 2))
        self.assertEqual(self.server.kinds("py-dup"), ["agent:started", "tool:called"])

    def test_a_refused_event_raises_http_error_with_the_servers_reason_without_retrying(self):
        retries = []
        sb = self.client(on_retry=lambda reason, delay: retries.append(reason))
        with self.assertRaises(HTTPError) as caught:
            sb.report(make_event("agent", "started", "py-bad", timestamp=1764057600))  # seconds, not ms
        error = caught.exception
        self.assertEqual((error.status, error.field), (400, "[0].timestamp"))  # the client always posts a list
        self.assertIn("epoch milliseconds", error.reason)
        self.assertTrue(str(error).startswith("POST /api/events -> 400: "), str(error))
        self.assertEqual(retries, [])
        self.assertEqual(self.server.kinds("py-bad"), [])


class Asking(AgainstOneServer):
    def test_ask_returns_the_answer_a_person_gives_as_a_typed_answer(self):
        sb = self.client()
        future = self.pool.submit(sb.ask, "py-docs", "Which docstring style?", options=["google", "numpy"], msg_id="q-py-ask")
        question = self.server.wait_for_question("q-py-ask")
        self.assertEqual((question["question"], question["options"]), ("Which docstring style?", ["google", "numpy"]))
        self.assertEqual(self.server.respond("py-docs", "q-py-ask", "numpy"), 200)
        answer = future.result(20)
        self.assertIsInstance(answer, Answer)
        self.assertEqual((answer.msg_id, answer.text, str(answer)), ("q-py-ask", "numpy", "numpy"))
        self.assertIsInstance(answer.responded_at, (int, float))
        status = sb.status("q-py-ask")
        self.assertIsInstance(status, QuestionStatus)
        self.assertEqual((status.status, status.answer, status.agent_id, status.options), ("answered", "numpy", "py-docs", ["google", "numpy"]))
        self.assertIsNone(sb.status("q-py-never-asked"))

    def test_an_approval_and_a_form_come_back_typed_with_their_text_in_words(self):
        sb = self.client()
        approval = self.pool.submit(sb.ask, "py-ops", "Deploy?", kind="approval", context="**prod**", msg_id="q-py-approve")
        self.server.wait_for_question("q-py-approve")
        self.assertEqual(self.server.respond("py-ops", "q-py-approve", {"approved": False, "comment": "Friday"}), 200)
        answer = approval.result(20)
        self.assertEqual((answer.value, answer.text), ({"approved": False, "comment": "Friday"}, "Denied: Friday"))
        schema = {"type": "object", "properties": {"replicas": {"type": "integer", "minimum": 1}}, "required": ["replicas"]}
        form = self.pool.submit(sb.ask, "py-ops", "How many?", schema=schema, msg_id="q-py-form")
        self.assertEqual(self.server.wait_for_question("q-py-form")["kind"], "form")
        self.assertEqual(self.server.respond("py-ops", "q-py-form", {"replicas": 0}), 400)
        self.assertEqual(self.server.respond("py-ops", "q-py-form", {"replicas": 3}), 200)
        self.assertEqual((form.result(20).value, str(form.result(20))), ({"replicas": 3}, "replicas: 3"))

    def test_asking_again_with_an_answered_msg_id_returns_its_answer_at_once(self):
        sb = self.client()
        future = self.pool.submit(sb.ask, "py-resumer", "Proceed?", msg_id="q-py-known")
        self.server.wait_for_question("q-py-known")
        self.server.respond("py-resumer", "q-py-known", "go")
        self.assertEqual(future.result(20).text, "go")
        self.assertEqual(sb.ask("py-resumer", "Proceed?", msg_id="q-py-known").text, "go")

    def test_ask_raises_ask_timeout_when_the_question_times_out_on_the_server(self):
        with self.assertRaises(AskTimeout) as caught:
            self.client().ask("py-slowpoke", "Anyone there?", timeout_s=0.3, msg_id="q-py-timeout")
        self.assertEqual(caught.exception.msg_id, "q-py-timeout")
        self.assertEqual(self.server.question("q-py-timeout")["status"], "timeout")

    def test_ask_raises_ask_cancelled_when_the_question_is_withdrawn(self):
        sb = self.client()
        agent = sb.agent("py-quitter")
        agent.started()
        future = self.pool.submit(agent.ask, "Still needed?", msg_id="q-py-cancel")
        self.server.wait_for_question("q-py-cancel")
        agent.completed()  # an agent that ends withdraws its pending questions
        with self.assertRaises(AskCancelled) as caught:
            future.result(20)
        self.assertEqual(caught.exception.msg_id, "q-py-cancel")

    def test_a_question_the_server_refuses_raises_http_error_naming_the_field(self):
        with self.assertRaises(HTTPError) as caught:
            self.client().ask("py-picky", "Pick one", options=["fine", " "])
        self.assertEqual((caught.exception.status, caught.exception.field), (400, "options[1]"))
        self.assertIn("non-empty", caught.exception.reason)

    def test_a_busy_store_503_is_retried_no_sooner_than_its_retry_after(self):
        retries = []
        saw_503 = threading.Event()

        def on_retry(reason, delay):
            retries.append((reason, delay))
            if "503" in reason:
                saw_503.set()

        # Another process holds SQLite's write lock: the server answers 503 with Retry-After: 1.
        other = sqlite3.connect(self.server.db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            future = self.pool.submit(self.client(on_retry=on_retry).ask, "py-locked", "Locked?", msg_id="q-py-locked")
            self.assertTrue(saw_503.wait(20), f"no 503 retry: {retries}")
        finally:
            other.execute("COMMIT")
            other.close()
        self.server.wait_for_question("q-py-locked")
        self.server.respond("py-locked", "q-py-locked", "unlocked")
        self.assertEqual(future.result(20).text, "unlocked")
        reason, delay = next(r for r in retries if "503" in r[0])
        self.assertIn("locked by another process", reason)
        self.assertGreaterEqual(delay, 1.0)


class OddResponses(unittest.TestCase):
    """Whatever comes back (a proxy's page, truncated or hostile JSON), the client returns or raises its own errors."""

    def test_bodies_that_are_not_a_question_status_parse_to_none(self):
        for body in (None, "", "<html>502</html>", [], [{"status": "answered"}], 42, {}, {"status": "maybe"}, {"status": ["answered"]}):
            self.assertIsNone(parse_status("q", body), body)

    def test_wrong_typed_fields_are_dropped_not_trusted(self):
        status = parse_status("q", {"status": "answered", "answer": 7, "options": "yes", "created_at": True, "agent_id": None})
        self.assertEqual((status.status, status.answer, status.options, status.created_at, status.agent_id), ("answered", None, [], None, None))
        mixed = parse_status("q", {"status": "pending", "options": ["a", 1, None, "b"], "timeout_s": 1.5})
        self.assertEqual((mixed.options, mixed.timeout_s), (["a", "b"], 1.5))

    def test_refusals_quote_whatever_body_came(self):
        self.assertEqual(refusal(400, "POST /x", {"error": "bad", "field": "id"}).field, "id")
        self.assertEqual(refusal(401, "POST /x", {"error": "unauthorized", "field": ["no"]}).field, None)
        self.assertEqual(refusal(403, "POST /x", "<h1>Forbidden</h1>").reason, "<h1>Forbidden</h1>")
        self.assertEqual(refusal(400, "POST /x", {"error": {"nested": True}}).reason, '{"error": {"nested": true}}')
        self.assertEqual(refusal(418, "POST /x", None).reason, "HTTP 418")
        self.assertEqual(str(refusal(400, "POST /x", "")), "POST /x -> 400: HTTP 400")
        self.assertEqual(len(refusal(400, "POST /x", "x" * 10_000).reason), 300)

    def test_retry_after_reads_seconds_and_dates_and_ignores_the_rest(self):
        self.assertEqual(retry_after("1"), 1.0)
        self.assertEqual(retry_after("86400"), 120.0)
        self.assertEqual(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0.0)
        for value in (None, "", "soon", "-1", "1.5e3"):
            self.assertIsNone(retry_after(value), value)


if __name__ == "__main__":
    unittest.main()
