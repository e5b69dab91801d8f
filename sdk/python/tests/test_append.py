"""Client.append against a real pactlogd: results, idempotent retries,
optimistic concurrency and the errors a user meets."""

import datetime as dt
import logging
import threading
import unittest

import grpc

import pactlog
from support import (FACT_SHEET, DroppingProxy, Server, ServerTestCase, data_center_project,
                     reactor_project, t, tariff_events, us_japan_announcement)


class AppendTest(ServerTestCase):

    def test_append_returns_sequences_ids_and_version(self):
        deal = self.new_deal_id()
        first = self.client.append(deal, us_japan_announcement(), expected_version="no_deal")
        self.assertEqual(first.deal_version, 1)
        self.assertEqual(len(first.sequences), 1)
        self.assertFalse(first.deduplicated)
        self.assertEqual(first.attempts, 1)
        self.assertEqual(first.recorded_datetime.tzinfo, dt.timezone.utc)
        self.assertEqual(pactlog.to_timestamp(first.recorded_datetime).seconds,
                         first.recorded_time.seconds)

        second = self.client.append(deal, [reactor_project(), data_center_project()] +
                                    tariff_events(), expected_version=1)
        self.assertEqual(second.deal_version, 5)
        self.assertEqual(list(second.sequences),
                         list(range(second.sequences[0], second.sequences[0] + 4)))
        self.assertGreater(second.sequences[0], first.last_sequence)
        self.assertEqual(len(set(second.event_ids)), 4)
        self.assertGreaterEqual(second.recorded_datetime, first.recorded_datetime)

        state = self.client.get_deal(deal, at_least_sequence=second.last_sequence).deal
        self.assertEqual(state.version, 5)
        self.assertEqual(state.totals.pledged.minor_units, 125_000_000_000 * 100)
        self.assertEqual(state.headroom.minor_units, 425_000_000_000 * 100)

    def test_missing_event_ids_are_filled_and_given_ids_kept(self):
        deal = self.new_deal_id()
        events = [us_japan_announcement(event_id="announce-" + deal), reactor_project()]
        result = self.client.append(deal, events)
        self.assertEqual(result.event_ids[0], "announce-" + deal)
        self.assertRegex(result.event_ids[1], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-")
        self.assertEqual(events[1].event_id, "", "the caller's event is not modified")
        stored = self.client.read(result.sequences[0] - 1, 2).events
        self.assertEqual([e.data.event_id for e in stored], list(result.event_ids))
        self.assertEqual(stored[0].actor, "python-sdk-tests")

    def test_repeating_an_append_with_the_same_ids_is_deduplicated(self):
        deal = self.new_deal_id()
        first = self.client.append(deal, us_japan_announcement(), expected_version="no_deal")
        # What a retry after a lost answer sends: the ids the first try used.
        events = [us_japan_announcement(event_id=first.event_ids[0])]
        again = self.client.append(deal, events, expected_version="no_deal")
        self.assertTrue(again.deduplicated)
        self.assertEqual(again.sequences, first.sequences)
        self.assertEqual(again.deal_version, 1)
        self.assertEqual(self.client.get_deal(deal).deal.version, 1)
        page = self.client.read(0, 1000, deal_ids=[deal])
        self.assertEqual(len(page.events), 1, "the repeat wrote nothing")

    def test_reusing_an_event_id_with_other_content_is_already_exists(self):
        deal = self.new_deal_id()
        first = self.client.append(deal, [us_japan_announcement(), reactor_project()])
        other = data_center_project(event_id=first.event_ids[1])
        with self.assertRaises(pactlog.AlreadyExistsError) as caught:
            self.client.append(deal, other)
        self.assertEqual(caught.exception.code, grpc.StatusCode.ALREADY_EXISTS)
        self.assertIn(first.event_ids[1], caught.exception.message)

    def test_stale_expected_version_is_aborted_with_the_current_version(self):
        deal = self.new_deal_id()
        self.client.append(deal, [us_japan_announcement(), reactor_project()])
        with self.assertRaises(pactlog.AbortedError) as caught:
            self.client.append(deal, data_center_project(), expected_version=1)
        error = caught.exception
        self.assertIsInstance(error, pactlog.PactlogError)
        self.assertEqual(error.code, grpc.StatusCode.ABORTED)
        self.assertIn("2", error.message)
        with self.assertRaises(pactlog.AbortedError):
            self.client.append(deal, data_center_project(), expected_version="no_deal")
        self.assertEqual(self.client.get_deal(deal).deal.version, 2, "nothing was recorded")
        ok = self.client.append(deal, data_center_project(), expected_version=2)
        self.assertEqual(ok.deal_version, 3)
        self.assertEqual(error.attempts, 1)
        if not error.reason:
            self.skipTest("this pactlogd sends no google.rpc.ErrorInfo yet")
        self.assertEqual(error.reason, pactlog.EXPECTED_VERSION_MISMATCH)
        self.assertEqual(error.current_version, 2)
        self.assertEqual(error.deal_id, deal)

    def test_bad_input_is_invalid_argument_naming_every_field(self):
        deal = self.new_deal_id()
        bad = pactlog.tariff_change("all-goods", 200_000, "", source=FACT_SHEET)
        with self.assertRaises(pactlog.InvalidArgumentError) as caught:
            self.client.append("Not A Slug", [us_japan_announcement(), bad])
        error = caught.exception
        self.assertEqual(error.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("deal_id", error.message)
        self.assertIn("Not A Slug", error.message)
        self.assertIn("events[1].tariff_change.rate_bps", error.message)
        self.assertIn("events[1].tariff_change.legal_instrument", error.message)
        with self.assertRaises(pactlog.NotFoundError):
            self.client.get_deal(deal)

    def test_bad_fields_come_back_as_field_violations(self):
        deal = self.new_deal_id()
        bad = pactlog.tariff_change("all-goods", 200_000, "", source=FACT_SHEET)
        with self.assertRaises(pactlog.InvalidArgumentError) as caught:
            self.client.append(deal, [us_japan_announcement(), bad])
        violations = caught.exception.field_violations
        self.assertEqual([v.field for v in violations],
                         ["events[1].tariff_change.rate_bps",
                          "events[1].tariff_change.legal_instrument"])
        self.assertIsInstance(violations[0], pactlog.FieldViolation)
        self.assertIn("200000", violations[0].description)
        self.assertIn("empty", violations[1].description)

    def test_errors_without_details_have_no_field_violations(self):
        with self.assertRaises(pactlog.NotFoundError) as caught:
            self.client.get_deal(self.new_deal_id())
        self.assertEqual(caught.exception.field_violations, [])

    def test_broken_rule_is_failed_precondition(self):
        deal = self.new_deal_id()
        self.client.append(deal, [us_japan_announcement(), reactor_project()])
        too_much = pactlog.approval("westinghouse-ap1000", pactlog.usd(100_000_000_001),
                                    "US Investment Committee", source=FACT_SHEET,
                                    effective_time=t(2026, 1, 5))
        with self.assertRaises(pactlog.FailedPreconditionError) as caught:
            self.client.append(deal, too_much)
        self.assertEqual(caught.exception.code, grpc.StatusCode.FAILED_PRECONDITION)
        unapproved = pactlog.disbursement("westinghouse-ap1000", pactlog.usd(1), "jbic",
                                          source=FACT_SHEET)
        with self.assertRaises(pactlog.FailedPreconditionError):
            self.client.append(deal, unapproved)
        with self.assertRaises(pactlog.FailedPreconditionError) as again:
            self.client.append(deal, us_japan_announcement())
        error = again.exception
        if not error.reason:
            self.skipTest("this pactlogd sends no google.rpc.ErrorInfo yet")
        self.assertEqual(error.reason, pactlog.RULE_BROKEN)
        self.assertEqual(error.rule, "deal-announced-once")
        self.assertTrue(error.detail)
        self.assertEqual(caught.exception.rule, "approval-within-pledge")
        self.assertIsNone(error.current_version)

    def test_invalid_arguments_are_refused_before_sending(self):
        with self.assertRaises(ValueError):
            self.client.append("d", us_japan_announcement(), expected_version="some")
        with self.assertRaises(ValueError):
            self.client.append("d", us_japan_announcement(), expected_version=-1)
        with self.assertRaises(TypeError):
            self.client.append("d", ["not an event"])
        with self.assertRaises(ValueError):
            pactlog.approval("p", pactlog.usd(1), "b", source="s",
                             effective_time=dt.datetime(2026, 1, 1))  # naive
        with self.assertRaises(TypeError):
            pactlog.usd(19.99)
        with self.assertRaises(ValueError):
            pactlog.usd("0.001")
        with self.assertRaises(ValueError):
            pactlog.disbursement("p", pactlog.usd(1), "bank-of-nowhere", source="s")


class _RetryLogged(logging.Handler):
    """Sets an event when the client logs that it will retry an append."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.retried = threading.Event()

    def emit(self, record):
        if "retrying" in record.getMessage():
            self.retried.set()


class LostAnswerTest(ServerTestCase):
    """The answer to an append that the server recorded is lost on the way
    back: the client's retry carries the same event ids, so the server
    answers it from the record (deduplicated) instead of recording twice."""

    def test_retry_after_a_lost_answer_is_deduplicated(self):
        proxy = DroppingProxy(self.server.port)
        self.addCleanup(proxy.close)
        # The first attempt's answer is dropped, so it always ends by timing
        # out; the timeout leaves the server ample time to record it first
        # (an fsync on a loaded machine), which is what makes the retry
        # deduplicated.
        client = pactlog.Client(proxy.address, timeout=5.0, append_attempts=10)
        self.addCleanup(client.close)
        deal = self.new_deal_id()
        client.append(deal, us_japan_announcement())  # connects through the proxy

        class HealOnRetry(logging.Handler):
            def emit(self, record):
                if "retrying" in record.getMessage():
                    proxy.heal()  # runs before the client's next attempt

        handler = HealOnRetry()
        logger = logging.getLogger("pactlog")
        logger.addHandler(handler)
        self.addCleanup(logger.removeHandler, handler)

        proxy.dropping.set()
        result = client.append(deal, reactor_project(), expected_version=1)
        self.assertGreater(proxy.dropped_bytes, 0, "the first answer was not lost")
        self.assertGreaterEqual(result.attempts, 2)
        self.assertTrue(result.deduplicated, "the first attempt was recorded")
        self.assertEqual(result.deal_version, 2)
        page = self.client.read(0, 1000, deal_ids=[deal])
        self.assertEqual(len(page.events), 2, "recorded once")
        self.assertEqual(page.events[1].data.event_id, result.event_ids[0])


class AppendAcrossRestartTest(unittest.TestCase):
    """An append made while the server is down is retried with the same ids
    and recorded exactly once when the server is back."""

    def setUp(self):
        self.server = Server()
        self.addCleanup(self.server.cleanup)
        self.server.start()
        self.client = pactlog.Client(self.server.address, timeout=5.0, append_attempts=40)
        self.addCleanup(self.client.close)
        self.handler = _RetryLogged()
        logger = logging.getLogger("pactlog")
        logger.addHandler(self.handler)
        self.addCleanup(logger.removeHandler, self.handler)

    def test_append_retries_until_the_server_is_back(self):
        deal = "us-japan"
        self.client.append(deal, us_japan_announcement())
        self.server.stop()

        results, errors = [], []

        def append():
            try:
                results.append(self.client.append(deal, reactor_project(), expected_version=1))
            except BaseException as e:
                errors.append(e)

        thread = threading.Thread(target=append)
        thread.start()
        self.assertTrue(self.handler.retried.wait(30), "the append never failed and retried")
        self.server.start()
        thread.join(60)
        self.assertFalse(thread.is_alive())
        self.assertEqual(errors, [])
        result = results[0]
        self.assertGreater(result.attempts, 1)
        self.assertEqual(result.deal_version, 2)
        page = self.client.read(0, 100, deal_ids=[deal])
        self.assertEqual([e.data.event_id for e in page.events][1:], list(result.event_ids))

    def test_without_retries_unavailable_is_raised(self):
        self.server.stop()
        with pactlog.Client(self.server.address, timeout=2.0, append_attempts=1) as client:
            with self.assertRaises(pactlog.UnavailableError) as caught:
                client.append("us-japan", us_japan_announcement())
        self.assertEqual(caught.exception.code, grpc.StatusCode.UNAVAILABLE)


if __name__ == "__main__":
    unittest.main()
