"""switchboard.py through outages: a server not up yet, killed and restarted, restarted onto an empty
database; and one that wants a token."""
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor

from server_process import ServerProcess, free_port, temp_db
from switchboard import HTTPError, Ingested, Switchboard, make_event


class Outages(unittest.TestCase):
    def setUp(self):
        self.pool = ThreadPoolExecutor(2)
        self.servers = []
        self.retries = []
        self.retried = threading.Event()

    def tearDown(self):
        for server in self.servers:
            server.kill()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def server(self, **options) -> ServerProcess:
        server = ServerProcess(**options)
        self.servers.append(server)
        return server

    def client(self, url: str, **options) -> Switchboard:
        def on_retry(reason, delay):
            self.retries.append(reason)
            self.retried.set()
        return Switchboard(url, base_delay=0.05, max_delay=0.5, on_retry=on_retry, **options)

    def test_report_waits_for_a_server_that_is_not_up_yet(self):
        server = self.server(port=free_port())
        event = make_event("agent", "started", "py-early")
        future = self.pool.submit(self.client(server.url).report, event)
        self.assertTrue(self.retried.wait(20), "the client never retried")
        self.assertIn("POST /api/events: URLError", self.retries[0])
        server.start()
        self.assertEqual(future.result(30), Ingested(1, 0))
        self.assertEqual(server.kinds("py-early"), ["agent:started"])

    def test_ask_survives_kill_9_and_a_restart_on_the_same_port_and_database(self):
        server = self.server().start()
        future = self.pool.submit(self.client(server.url).ask, "py-deployer", "Ship it?", options=["yes", "no"], msg_id="q-py-restart")
        server.wait_for_question("q-py-restart")
        server.kill()
        self.assertTrue(self.retried.wait(20), "the client did not notice the server going away")
        server.start()
        # The question was in SQLite: the restarted server has it pending, and the client is still waiting on it.
        server.wait_for_question("q-py-restart")
        self.assertFalse(future.done())
        self.assertEqual(server.respond("py-deployer", "q-py-restart", "yes"), 200)
        self.assertEqual(future.result(30).text, "yes")

    def test_ask_asks_again_with_the_same_msg_id_when_the_restarted_server_lost_the_question(self):
        first = self.server().start()
        future = self.pool.submit(self.client(first.url).ask, "py-nomad", "Which region?", msg_id="q-py-lost")
        first.wait_for_question("q-py-lost")
        first.kill()
        fresh = self.server(port=first.port, db=temp_db()).start()
        question = fresh.wait_for_question("q-py-lost")
        self.assertEqual((question["agent_id"], question["question"]), ("py-nomad", "Which region?"))
        self.assertEqual(fresh.respond("py-nomad", "q-py-lost", "eu-west"), 200)
        self.assertEqual(future.result(30).text, "eu-west")

    def test_a_wrong_token_is_a_401_with_the_reason_and_no_retry(self):
        server = self.server(token="right-token").start()
        intruder = self.client(server.url, token="wrong-token")
        for call in (lambda: intruder.report(make_event("agent", "started", "py-intruder")), lambda: intruder.ask("py-intruder", "Let me in?")):
            with self.assertRaises(HTTPError) as caught:
                call()
            self.assertEqual(caught.exception.status, 401)
            self.assertTrue(caught.exception.reason, "no reason given")
        self.assertEqual(self.retries, [])
        self.assertEqual(self.client(server.url, token="right-token").report(make_event("agent", "started", "py-member")), Ingested(1, 0))
        self.assertEqual(server.kinds("py-member"), ["agent:started"])


if __name__ == "__main__":
    unittest.main()
