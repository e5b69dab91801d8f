"""sdk/BEHAVIOUR.md's rules, checked without a server: settings from the
environment, append retries and their backoff, the channel's reconnect
backoff, subscriptions that never give up and report caught-up before the
caller waits for live events, lazy listings, and errors as data.

The fakes stand in for the gRPC calls; waits are recorded instead of slept,
so nothing here depends on timing."""

import os
import socket
import tempfile
import threading
import unittest
from unittest import mock

import grpc

import pactlog
from pactlog import _client, _subscription
from pactlog._rpc import error_details_pb2, status_pb2
from pactlog.v1 import events_pb2, ledger_pb2, query_pb2, state_pb2, stream_pb2


class FakeRpcError(grpc.RpcError, grpc.Call):
    """What a failed grpc call raises: code(), details(), trailing_metadata()."""

    def __init__(self, code, details="", trailers=()):
        self._code, self._details, self._trailers = code, details, tuple(trailers)

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return self._trailers

    def initial_metadata(self):
        return ()

    def is_active(self):
        return False

    def time_remaining(self):
        return None

    def cancel(self):
        return False

    def add_callback(self, callback):
        return False


# --- settings ------------------------------------------------------------------

ENV = ("PACTLOG_ADDRESS", "PACTLOG_TOKEN", "PACTLOG_TLS_CA", "PACTLOG_ACTOR", "USER")


class SettingsTest(unittest.TestCase):

    def setUp(self):
        saved = {k: os.environ.get(k) for k in ENV}
        for k in ENV:
            os.environ.pop(k, None)

        def restore():
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.addCleanup(restore)
        self.ca = tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False)
        self.ca.write("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        self.ca.close()
        self.addCleanup(os.unlink, self.ca.name)

    def client(self, **kwargs) -> pactlog.Client:
        client = pactlog.Client(**kwargs)  # channels connect lazily: nothing is dialled
        self.addCleanup(client.close)
        return client

    def test_defaults(self):
        os.environ["USER"] = "ada"
        client = self.client()
        self.assertEqual(client.address, "127.0.0.1:50051")
        self.assertEqual(client.actor, f"ada@{socket.gethostname()}")
        self.assertEqual(client._metadata, ())
        self.assertFalse(client.tls)

    def test_the_environment(self):
        os.environ.update(PACTLOG_ADDRESS="pactlog.example:443", PACTLOG_TOKEN="t0k",
                          PACTLOG_TLS_CA=self.ca.name, PACTLOG_ACTOR="recorder-7", USER="ada")
        client = self.client()
        self.assertEqual(client.address, "pactlog.example:443")
        self.assertEqual(client._metadata, (("authorization", "Bearer t0k"),))
        self.assertTrue(client.tls)
        self.assertEqual(client.actor, "recorder-7")

    def test_an_option_wins_over_the_environment(self):
        os.environ.update(PACTLOG_ADDRESS="env:1", PACTLOG_TOKEN="env-token",
                          PACTLOG_TLS_CA=self.ca.name, PACTLOG_ACTOR="env-actor")
        client = self.client(address="option:2", token="option-token", actor="option-actor",
                             tls=False)
        self.assertEqual(client.address, "option:2")
        self.assertEqual(client._metadata, (("authorization", "Bearer option-token"),))
        self.assertEqual(client.actor, "option-actor")
        self.assertFalse(client.tls, "tls=False is plaintext whatever PACTLOG_TLS_CA says")

    def test_an_empty_variable_counts_as_unset(self):
        os.environ.update(PACTLOG_ADDRESS="", PACTLOG_TOKEN="", PACTLOG_TLS_CA="",
                          PACTLOG_ACTOR="", USER="")
        client = self.client()
        self.assertEqual(client.address, "127.0.0.1:50051")
        self.assertEqual(client._metadata, ())
        self.assertFalse(client.tls)
        user, _, host = client.actor.partition("@")
        self.assertEqual(host, socket.gethostname())
        self.assertTrue(user, "the login name, else 'unknown', when $USER is empty")

    def test_without_user_the_login_name_else_unknown(self):
        with mock.patch.object(_client.os, "getlogin", return_value="login-name"):
            self.assertEqual(pactlog.default_actor(), f"login-name@{socket.gethostname()}")
        with mock.patch.object(_client.os, "getlogin", side_effect=OSError), \
                mock.patch("pwd.getpwuid", side_effect=KeyError):
            self.assertEqual(pactlog.default_actor(), f"unknown@{socket.gethostname()}")

    def test_bad_settings_name_the_setting(self):
        os.environ["PACTLOG_TLS_CA"] = "/nonexistent/ca.pem"
        with self.assertRaisesRegex(ValueError, "PACTLOG_TLS_CA.*/nonexistent/ca.pem"):
            pactlog.Client()
        del os.environ["PACTLOG_TLS_CA"]
        os.environ["PACTLOG_TOKEN"] = "two\nlines"
        with self.assertRaisesRegex(ValueError, "PACTLOG_TOKEN"):
            pactlog.Client()
        del os.environ["PACTLOG_TOKEN"]
        with self.assertRaisesRegex(ValueError, "append_attempts.*0"):
            pactlog.Client(append_attempts=0)
        with self.assertRaisesRegex(ValueError, "timeout.*-1"):
            pactlog.Client(timeout=-1)
        with self.assertRaisesRegex(ValueError, "tls=False"):
            pactlog.Client(tls=False, root_certificates=self.ca.name)

    def test_channel_reconnect_backoff_is_capped_at_one_second(self):
        options = dict(self.client().channel_options)
        self.assertEqual(options["grpc.max_reconnect_backoff_ms"], 1000)
        self.assertLessEqual(options["grpc.initial_reconnect_backoff_ms"], 1000)
        self.assertLessEqual(options["grpc.min_reconnect_backoff_ms"], 1000)
        mine = self.client(options=[("grpc.max_reconnect_backoff_ms", 3000)]).channel_options
        self.assertEqual([v for k, v in mine if k == "grpc.max_reconnect_backoff_ms"], [3000])


# --- appends -------------------------------------------------------------------

def announcement(**kwargs):
    return pactlog.deal_announcement("US-Korea package", "KR", "US",
                                     pactlog.usd(350_000_000_000), source="press", **kwargs)


class FakeLedger:
    """Append answers from a script: an exception to raise or a response."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests = []

    def Append(self, request, timeout=None, metadata=None):
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def appended(n: int = 1) -> ledger_pb2.AppendResponse:
    return ledger_pb2.AppendResponse(sequences=list(range(1, n + 1)), deal_version=n,
                                     event_ids=[f"e{i}" for i in range(n)])


class AppendRetryTest(unittest.TestCase):

    def client_with(self, *answers):
        client = pactlog.Client("fake:1")
        self.addCleanup(client.close)
        client._ledger = FakeLedger(*answers)
        client.pauses = []
        client._pause = lambda seconds: client.pauses.append(seconds) or False
        return client

    def test_five_attempts_in_all_with_the_same_request(self):
        unavailable = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down")
        client = self.client_with(*[unavailable] * 6)
        with self.assertRaises(pactlog.UnavailableError) as caught:
            client.append("us-korea", announcement())
        self.assertEqual(caught.exception.attempts, 5)
        requests = client._ledger.requests
        self.assertEqual(len(requests), 5)
        self.assertTrue(requests[0].events[0].event_id)
        self.assertTrue(all(r == requests[0] for r in requests), "the same ids every time")
        self.assertEqual(len(client.pauses), 4)
        # 100 ms doubling, each less up to half of it as jitter.
        for pause, ceiling in zip(client.pauses, [0.1, 0.2, 0.4, 0.8]):
            self.assertGreaterEqual(pause, ceiling / 2)
            self.assertLessEqual(pause, ceiling)

    def test_the_result_says_how_many_attempts(self):
        client = self.client_with(FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED),
                                  FakeRpcError(grpc.StatusCode.UNAVAILABLE), appended())
        result = client.append("us-korea", announcement())
        self.assertEqual(result.attempts, 3)
        self.assertEqual(result.sequences, (1,))

    def test_a_cancel_the_caller_did_not_ask_for_is_retried(self):
        # What a server shutting down with the call in flight sends.
        client = self.client_with(FakeRpcError(grpc.StatusCode.CANCELLED), appended())
        self.assertEqual(client.append("us-korea", announcement()).attempts, 2)

    def test_every_other_code_is_returned_at_once(self):
        for code in (grpc.StatusCode.ABORTED,
                     grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION,
                     grpc.StatusCode.INTERNAL):
            client = self.client_with(FakeRpcError(code, "no"), appended())
            with self.assertRaises(pactlog.PactlogError) as caught:
                client.append("us-korea", announcement())
            self.assertEqual(caught.exception.code, code)
            self.assertEqual(caught.exception.attempts, 1)
            self.assertEqual(client.pauses, [])

    def test_backoff_doubles_to_at_most_two_seconds(self):
        highest = [_client.append_delay(n, rand=lambda: 1.0) for n in range(1, 9)]
        self.assertEqual(highest, [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0])
        lowest = [_client.append_delay(n, rand=lambda: 0.0) for n in range(1, 4)]
        self.assertEqual(lowest, [0.05, 0.1, 0.2])


class FirmnessTest(unittest.TestCase):

    def test_every_builder_defaults_to_reported(self):
        events = [
            announcement(),
            pactlog.project_announcement("p", "P", "energy", "PA", pactlog.usd(1), source="s"),
            pactlog.allocation_announcement("a", "A", "sector", "energy", source="s"),
            pactlog.project_site("p", "TX", source="s"),
            pactlog.deal_terms(oversight="o", source="s"),
            pactlog.approval("p", pactlog.usd(1), "b", source="s"),
            pactlog.disbursement("p", pactlog.usd(1), "jbic", source="s"),
            pactlog.tariff_change("autos", 1500, "EO", source="s"),
            pactlog.revision("e", pactlog.usd(1), "r", source="s"),
            pactlog.withdrawal("e", "gone", source="s"),
            pactlog.retraction("e", "false", source="s"),
            pactlog.correction("e", pactlog.approval("p", pactlog.usd(2), "b", source="s"), "x"),
        ]
        for event in events:
            self.assertEqual(event.provenance.firmness, pactlog.Firmness.REPORTED,
                             event.WhichOneof("kind"))

    def test_any_spelling(self):
        for spelling in ("confirmed", "CONFIRMED", "FIRMNESS_CONFIRMED", "Confirmed"):
            event = announcement(firmness=spelling)
            self.assertEqual(event.provenance.firmness, pactlog.Firmness.CONFIRMED, spelling)
        with self.assertRaisesRegex(ValueError, "firmness: 'firm'"):
            announcement(firmness="firm")


# --- errors --------------------------------------------------------------------

def status_trailer(code: int, *details) -> tuple:
    status = status_pb2.Status(code=code, message="m")
    for type_name, message in details:
        status.details.add(type_url=f"type.googleapis.com/{type_name}",
                           value=message.SerializeToString())
    return (("grpc-status-details-bin", status.SerializeToString()),)


def error_info(reason, **metadata):
    return ("google.rpc.ErrorInfo",
            error_details_pb2.ErrorInfo(reason=reason, domain="pactlog.v1", metadata=metadata))


class ErrorsTest(unittest.TestCase):

    def test_aborted_carries_the_current_version(self):
        trailer = status_trailer(10, error_info("EXPECTED_VERSION_MISMATCH",
                                                deal_id="us-japan", current_version="7"))
        error = pactlog.from_rpc_error(
            FakeRpcError(grpc.StatusCode.ABORTED, "expected version 3", trailer), attempts=2)
        self.assertIsInstance(error, pactlog.AbortedError)
        self.assertEqual((error.code, error.message, error.attempts),
                         (grpc.StatusCode.ABORTED, "expected version 3", 2))
        self.assertEqual(error.reason, pactlog.EXPECTED_VERSION_MISMATCH)
        self.assertEqual(error.current_version, 7)
        self.assertEqual(error.deal_id, "us-japan")
        self.assertIsNone(error.rule)

    def test_failed_precondition_carries_the_rule_and_its_numbers(self):
        trailer = status_trailer(9, ("google.rpc.BadRequest", error_details_pb2.BadRequest()),
                                 error_info("RULE_BROKEN", rule="approval-within-pledge",
                                            detail="approved 101 > pledged 100",
                                            approved="10100", pledged="10000"))
        error = pactlog.from_rpc_error(
            FakeRpcError(grpc.StatusCode.FAILED_PRECONDITION, "m", trailer))
        self.assertIsInstance(error, pactlog.FailedPreconditionError)
        self.assertEqual(error.rule, "approval-within-pledge")
        self.assertEqual(error.detail, "approved 101 > pledged 100")
        self.assertEqual(error.numbers, {"approved": 10100, "pledged": 10000})
        self.assertIsNone(error.current_version)
        self.assertEqual(error.attempts, 1)

    def test_invalid_argument_carries_the_violations(self):
        bad = error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="deal_id", description="slug")])
        error = pactlog.from_rpc_error(FakeRpcError(
            grpc.StatusCode.INVALID_ARGUMENT, "m", status_trailer(3, ("google.rpc.BadRequest", bad))))
        self.assertEqual(error.field_violations, [pactlog.FieldViolation("deal_id", "slug")])
        self.assertEqual((error.reason, error.metadata, error.rule), ("", {}, None))

    def test_no_details(self):
        error = pactlog.from_rpc_error(FakeRpcError(grpc.StatusCode.NOT_FOUND, "no deal"))
        self.assertEqual((error.field_violations, error.current_version, error.rule,
                          error.numbers), ([], None, None, {}))

    def test_bad_options_are_named_as_python_spells_them(self):
        client = pactlog.Client("fake:1")
        self.addCleanup(client.close)
        cases = [
            (lambda: client.get_deal("d", at_least_sequence=-1), "at_least_sequence"),
            (lambda: client.get_deal("d", as_of_sequence=-2), "as_of_sequence"),
            (lambda: client.list_deals(page_size=0), "page_size"),
            (lambda: client.subscribe(timeout=0), "timeout"),
            (lambda: client.subscribe(after_sequence=-1), "after_sequence"),
            (lambda: client.read_all(page_size=-5), "page_size"),
        ]
        for call, name in cases:
            with self.assertRaises(ValueError) as caught:
                call()
            self.assertTrue(str(caught.exception).startswith(name + ":"), str(caught.exception))


# --- listings ------------------------------------------------------------------

class PagesTest(unittest.TestCase):

    def test_fetches_a_page_only_when_the_iteration_gets_there(self):
        requests = []

        def fetch(request):
            copy = query_pb2.ListDealsRequest()
            copy.CopyFrom(request)
            requests.append(copy)
            n = len(requests)
            return query_pb2.ListDealsResponse(
                deals=[state_pb2.DealState(deal_id=f"d{n}a"), state_pb2.DealState(deal_id=f"d{n}b")],
                next_page_token="" if n == 3 else f"t{n}", log_sequence=40 + n)

        pages = pactlog.Pages(fetch, query_pb2.ListDealsRequest(page_size=2), "deals")
        self.assertEqual(requests, [])
        self.assertEqual(next(pages).deal_id, "d1a")
        self.assertEqual(next(pages).deal_id, "d1b")
        self.assertEqual(len(requests), 1)
        self.assertEqual(next(pages).deal_id, "d2a")
        self.assertEqual(len(requests), 2)
        self.assertEqual([d.deal_id for d in pages], ["d2b", "d3a", "d3b"])
        self.assertEqual(pages.log_sequence, 41)
        # Later pages continue from the token and stay on the first page's position.
        self.assertEqual([r.page_token for r in requests], ["", "t1", "t2"])
        self.assertEqual([r.options.as_of.sequence for r in requests], [0, 41, 41])

    def test_log_sequence_fetches_the_first_page(self):
        fetched = []
        pages = pactlog.Pages(lambda r: fetched.append(r) or query_pb2.ListDealsResponse(
            log_sequence=9), query_pb2.ListDealsRequest(), "deals")
        self.assertEqual(pages.log_sequence, 9)
        self.assertEqual(list(pages), [])
        self.assertEqual(len(fetched), 1)


# --- subscriptions -------------------------------------------------------------

def events(*sequences, examined=None):
    batch = stream_pb2.EventBatch(events=[events_pb2.Event(sequence=s) for s in sequences])
    batch.last_examined_sequence = examined if examined is not None else max(sequences)
    return stream_pb2.SubscribeResponse(events=batch)


def caught_up(sequence):
    return stream_pb2.SubscribeResponse(caught_up=stream_pb2.CaughtUp(sequence=sequence))


def progress(examined, head):
    return stream_pb2.SubscribeResponse(
        progress=stream_pb2.Progress(last_examined_sequence=examined, head_sequence=head))


class Blocks(Exception):
    """Raised by a FakeStream read past its script: the real one would wait
    there for a live event (the test fails instead of hanging)."""


class FakeStream:
    """A Subscribe call answering from a script of responses; it ends with
    `end` (an RpcError to raise, or Blocks)."""

    def __init__(self, responses, end):
        self.responses = list(responses)
        self.end = end
        self.cancelled = False
        self.read = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.responses:
            self.read += 1
            return self.responses.pop(0)
        raise self.end

    def cancel(self):
        self.cancelled = True


UNAVAILABLE = FakeRpcError(grpc.StatusCode.UNAVAILABLE, "restarting")


class FakeServer:
    """Hands out the scripted streams in order; records the requests."""

    def __init__(self, *streams):
        self.streams = list(streams)
        self.requests = []
        self.timeouts = []

    def open(self, request, timeout):
        self.requests.append(request)
        self.timeouts.append(timeout)
        return self.streams.pop(0)


def subscription(server, *, markers=False, after=0, timeout=None, clock=None, waits=None):
    waits = [] if waits is None else waits
    kwargs = {"clock": clock} if clock else {}
    return pactlog.Subscription(server.open, stream_pb2.SubscribeRequest(after_sequence=after),
                                markers=markers, reconnect=True, timeout=timeout,
                                client_closed=threading.Event(),
                                wait=lambda s: waits.append(s) or False, **kwargs)


def history_then_live(sub):
    seen = []
    for event in sub:
        seen.append(event.sequence)
        if sub.caught_up:
            break
    return seen


class CaughtUpTest(unittest.TestCase):

    def test_the_history_loop_ends_without_waiting_for_a_live_event(self):
        stream = FakeStream([events(1, 2), events(3), caught_up(3)], Blocks())
        sub = subscription(FakeServer(stream))
        self.assertEqual(history_then_live(sub), [1, 2, 3])
        self.assertEqual(sub.caught_up_sequence, 3)
        self.assertEqual(sub.position, 3)
        self.assertEqual(stream.read, 3, "read ahead to the CaughtUp, not beyond")

    def test_the_flag_is_false_until_the_last_history_event(self):
        stream = FakeStream([events(1, 2), events(3), caught_up(3)], Blocks())
        sub = subscription(FakeServer(stream))
        flags = [(next(sub).sequence, sub.caught_up) for _ in range(3)]
        self.assertEqual(flags, [(1, False), (2, False), (3, True)])

    def test_progress_and_filtered_batches_between_the_last_event_and_caught_up(self):
        stream = FakeStream([events(4), progress(9, 20), events(examined=15),
                             caught_up(20)], Blocks())
        sub = subscription(FakeServer(stream))
        self.assertEqual(history_then_live(sub), [4])
        self.assertEqual(sub.caught_up_sequence, 20)
        self.assertEqual(sub.position, 4, "the messages read ahead count only once handled")

    def test_with_markers_the_caught_up_item_follows_the_last_event(self):
        stream = FakeStream([events(1), caught_up(1), events(2)], Blocks())
        sub = subscription(FakeServer(stream), markers=True)
        first = next(sub)
        self.assertTrue(sub.caught_up)
        items = [first, next(sub), next(sub)]
        self.assertEqual([type(i).__name__ for i in items], ["Event", "CaughtUp", "Event"])
        self.assertEqual(sub.position, 2)

    def test_live_events_are_handed_over_without_reading_ahead(self):
        stream = FakeStream([caught_up(0), events(1)], Blocks())
        sub = subscription(FakeServer(stream))
        self.assertEqual(next(sub).sequence, 1)  # Blocks would be raised if it read on
        self.assertEqual(stream.read, 2)

    def test_until_caught_up_also_ends_an_empty_history(self):
        sub = subscription(FakeServer(FakeStream([caught_up(12)], Blocks())))
        self.assertEqual(list(sub.until_caught_up()), [])
        self.assertTrue(sub.caught_up)
        sub = subscription(FakeServer(FakeStream([events(1, 2), caught_up(5), events(6)],
                                                 Blocks())))
        self.assertEqual([e.sequence for e in sub.until_caught_up()], [1, 2])
        self.assertEqual(next(sub).sequence, 6, "the subscription goes on live")

    def test_a_stream_that_breaks_while_reading_ahead_loses_nothing(self):
        server = FakeServer(FakeStream([events(1, 2)], UNAVAILABLE),
                            FakeStream([events(3), caught_up(3)], Blocks()))
        sub = subscription(server)
        self.assertEqual(history_then_live(sub), [1, 2, 3])
        self.assertEqual([r.after_sequence for r in server.requests], [0, 2])
        self.assertEqual(sub.reconnects, 1)


class ResumeTest(unittest.TestCase):

    def test_never_gives_up_on_unavailable(self):
        failing = [FakeStream([], UNAVAILABLE) for _ in range(200)]
        server = FakeServer(*failing, FakeStream([events(1), caught_up(1)], Blocks()))
        waits = []
        sub = subscription(server, waits=waits)
        self.assertEqual(next(sub).sequence, 1)
        self.assertEqual(len(waits), 200)
        self.assertLessEqual(max(waits), 1.0)
        self.assertGreater(max(waits), 0.5, "the wait grows to 1 s")

    def test_the_wait_is_reset_once_a_resumed_stream_delivers(self):
        server = FakeServer(FakeStream([events(1)], UNAVAILABLE),
                            *[FakeStream([], UNAVAILABLE) for _ in range(5)],
                            FakeStream([events(2)], UNAVAILABLE),  # delivers, then breaks
                            FakeStream([], UNAVAILABLE),
                            FakeStream([events(3), caught_up(3)], Blocks()))
        ceilings = []
        with mock.patch.object(_subscription.random, "random", return_value=1.0):
            sub = subscription(server, waits=ceilings)
            self.assertEqual(history_then_live(sub), [1, 2, 3])
        self.assertEqual(ceilings, [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 0.1, 0.2])
        self.assertEqual([r.after_sequence for r in server.requests],
                         [0, 1, 1, 1, 1, 1, 1, 2, 2])
        self.assertEqual(sub.reconnects, 2)

    def test_the_delay_schedule(self):
        self.assertEqual([_subscription.reconnect_delay(n, rand=lambda: 1.0)
                          for n in range(1, 7)], [0.1, 0.2, 0.4, 0.8, 1.0, 1.0])

    def test_other_codes_end_it(self):
        for code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.OUT_OF_RANGE,
                     grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL):
            server = FakeServer(FakeStream([events(1)], FakeRpcError(code, "no")))
            sub = subscription(server)
            self.assertEqual(next(sub).sequence, 1)
            with self.assertRaises(pactlog.PactlogError) as caught:
                next(sub)
            self.assertEqual(caught.exception.code, code)
            self.assertEqual(server.streams, [], "no second try")

    def test_a_deadline_the_caller_set_ends_it(self):
        now = [100.0]
        waits = []

        def wait(seconds):
            waits.append(seconds)
            now[0] += seconds
            return False

        streams = [FakeStream([], UNAVAILABLE) for _ in range(30)]
        server = FakeServer(FakeStream([events(1)], UNAVAILABLE), *streams)
        sub = pactlog.Subscription(server.open, stream_pb2.SubscribeRequest(), markers=False,
                                   reconnect=True, timeout=5.0, client_closed=threading.Event(),
                                   wait=wait, clock=lambda: now[0])
        self.assertEqual(next(sub).sequence, 1)
        with self.assertRaises(pactlog.DeadlineExceededError):
            next(sub)
        self.assertGreaterEqual(now[0], 105.0)
        self.assertLess(now[0], 106.0, "not one wait more than needed")
        # Every stream was opened with what was left of the deadline.
        self.assertEqual(server.timeouts[0], 5.0)
        self.assertTrue(all(t <= 5.0 for t in server.timeouts))

    def test_its_own_deadline_exceeded_ends_it(self):
        now = [0.0]
        deadline = FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline")

        class Late(FakeStream):
            def __next__(self):
                now[0] = 11.0  # the stream outlived the caller's 10 s
                return super().__next__()

        server = FakeServer(Late([], deadline))
        sub = pactlog.Subscription(server.open, stream_pb2.SubscribeRequest(), markers=False,
                                   reconnect=True, timeout=10.0, client_closed=threading.Event(),
                                   wait=lambda s: False, clock=lambda: now[0])
        with self.assertRaises(pactlog.DeadlineExceededError):
            next(sub)
        self.assertEqual(server.streams, [])


if __name__ == "__main__":
    unittest.main()
