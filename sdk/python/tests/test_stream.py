"""EventStream through the client: Read paging and filters, Subscribe
catch-up then live, progress, and resuming across a real server restart."""

import threading
import time
import unittest

import grpc

import pactlog
from support import (FACT_SHEET, Server, ServerTestCase, collect, reactor_project, t,
                     us_japan_announcement, wait_for)


def tariff(n: int) -> pactlog.EventData:
    return pactlog.tariff_change("autos", 1000 + n, f"Notice {n}", source=FACT_SHEET,
                                 effective_time=t(2026, 1, 1))


class ReadTest(ServerTestCase):

    def test_read_pages_through_the_log_without_gap(self):
        deal = self.new_deal_id()
        first = self.client.append(deal, [us_japan_announcement()] +
                                   [tariff(i) for i in range(10)])
        seen, after = [], first.sequences[0] - 1
        pages = 0
        while True:
            page = self.client.read(after, 3, deal_ids=[deal])
            pages += 1
            seen.extend(e.sequence for e in page.events)
            self.assertLessEqual(len(page.events), 3)
            if page.last_examined_sequence >= page.head_sequence:
                break
            after = page.last_examined_sequence
        self.assertEqual(seen, list(first.sequences))
        self.assertEqual(pages, 4)
        self.assertEqual(page.events[-1].deal_id, deal)
        self.assertEqual(page.events[-1].deal_version, 11)

    def test_read_filters_by_kind(self):
        deal = self.new_deal_id()
        result = self.client.append(deal, [us_japan_announcement(), reactor_project(),
                                           tariff(1)])
        page = self.client.read(result.sequences[0] - 1, 100, deal_ids=[deal],
                                kinds=["announcement"])
        self.assertEqual([e.sequence for e in page.events], list(result.sequences[:2]))
        self.assertEqual(page.events[1].data.announcement.project.sector,
                         pactlog.Sector.ENERGY)
        filtered = pactlog.make_filter(kinds=[pactlog.EventKind.TARIFF_CHANGE],
                                       deal_ids=[deal])
        page = self.client.read(0, 100, filter=filtered)
        self.assertEqual([e.sequence for e in page.events], [result.sequences[2]])

    def test_read_rejects_a_bad_limit(self):
        with self.assertRaises(pactlog.InvalidArgumentError) as caught:
            self.client.read(0, 5000)
        self.assertIn("limit", caught.exception.message)


class SubscribeTest(ServerTestCase):

    def test_catch_up_then_live_in_order(self):
        deal = self.new_deal_id()
        history = self.client.append(deal, [us_japan_announcement()] +
                                     [tariff(i) for i in range(5)])
        with self.client.subscribe(deal_ids=[deal], markers=True,
                                   max_events_per_message=2) as sub:
            items = collect(sub, 7)
            events, marker = items[:6], items[6]
            self.assertEqual([e.sequence for e in events], list(history.sequences))
            self.assertIsInstance(marker, pactlog.CaughtUp)
            self.assertGreaterEqual(marker.sequence, history.last_sequence)
            self.assertTrue(sub.caught_up)
            self.assertEqual(sub.caught_up_sequence, marker.sequence)

            live = self.client.append(deal, [tariff(i) for i in range(5, 8)])
            other = self.client.append(self.new_deal_id(), us_japan_announcement())
            more = self.client.append(deal, tariff(9))
            got = collect(sub, 4)
            self.assertEqual([e.sequence for e in got],
                             list(live.sequences) + list(more.sequences))
            self.assertNotIn(other.last_sequence, [e.sequence for e in got])
            self.assertEqual(sub.last_sequence, more.last_sequence)
            self.assertEqual(sub.position, more.last_sequence)

    def history_then_live(self, sub) -> list:
        """The natural loop, on a helper thread so that a loop that waits
        for a live event fails the test instead of hanging it."""
        seen, done = [], threading.Event()

        def loop():
            for event in sub:
                seen.append(event.sequence)
                if sub.caught_up:
                    break
            done.set()

        threading.Thread(target=loop, daemon=True).start()
        self.assertTrue(done.wait(30), f"the loop still waits after {seen}")
        return seen

    def test_the_history_then_live_loop_ends_after_the_history(self):
        deal = self.new_deal_id()
        history = self.client.append(deal, [us_japan_announcement()] +
                                     [tariff(i) for i in range(4)])
        expected = list(history.sequences)
        for per_message in (1, 2, 64):
            with self.client.subscribe(deal_ids=[deal],
                                       max_events_per_message=per_message) as sub:
                self.assertEqual(self.history_then_live(sub), expected)
                self.assertGreaterEqual(sub.caught_up_sequence, expected[-1])
                live = self.client.append(deal, tariff(50 + per_message))
                (event,) = collect(sub, 1)
                self.assertEqual(event.sequence, live.last_sequence)
                expected.append(live.last_sequence)  # history for the next round

    def test_until_caught_up_ends_an_empty_history(self):
        with self.client.subscribe(deal_ids=["nobody-" + self.new_deal_id()]) as sub:
            self.assertEqual(collect(sub.until_caught_up(), 0), [])
            self.assertTrue(sub.caught_up)

    def test_from_end_sees_only_events_recorded_after_the_call(self):
        deal = self.new_deal_id()
        old = self.client.append(deal, us_japan_announcement())
        with self.client.subscribe(from_end=True, deal_ids=[deal]) as sub:
            self.assertEqual(sub.position, old.last_sequence)
            # Recorded before the stream is even opened, after the call.
            new = self.client.append(deal, tariff(1))
            (event,) = collect(sub, 1)
            self.assertEqual(event.sequence, new.last_sequence)
            self.assertEqual(event.data.tariff_change.legal_instrument, "Notice 1")

    def test_from_recorded_time(self):
        deal = self.new_deal_id()
        self.client.append(deal, us_japan_announcement())
        second = self.client.append(deal, tariff(1))
        with self.client.subscribe(from_recorded_time=second.recorded_datetime,
                                   deal_ids=[deal]) as sub:
            (event,) = collect(sub, 1)
            self.assertEqual(event.sequence, second.last_sequence)

    def test_progress_moves_the_position_past_filtered_events(self):
        deal = self.new_deal_id()
        head = self.client.append(deal, [us_japan_announcement(), tariff(1)])
        with self.client.subscribe(deal_ids=["nobody-" + deal], markers=True,
                                   heartbeat_interval=0.1) as sub:
            items = collect(sub, 2)
            self.assertEqual({type(i).__name__ for i in items}, {"CaughtUp", "Progress"})
            self.assertEqual(sub.last_sequence, 0)
            self.assertGreaterEqual(sub.position, head.last_sequence)
            self.assertGreaterEqual(sub.head_sequence, head.last_sequence)

    def test_close_from_another_thread_ends_the_iteration(self):
        sub = self.client.subscribe(from_end=True)
        done = threading.Event()
        received = []

        def consume():
            received.extend(sub)  # blocks: nothing is appended
            done.set()

        threading.Thread(target=consume, daemon=True).start()
        wait_for(lambda: sub._call is not None, what="the stream to open")
        sub.close()
        self.assertTrue(done.wait(10), "close() did not end the iteration")
        self.assertEqual(received, [])

    def test_bad_requests(self):
        with self.assertRaises(ValueError):
            self.client.subscribe(after_sequence=3, from_end=True)
        with self.assertRaises(pactlog.OutOfRangeError):
            next(iter(self.client.subscribe(after_sequence=10**12)))
        with self.assertRaises(pactlog.InvalidArgumentError) as caught:
            next(iter(self.client.subscribe(heartbeat_interval=0.001)))
        self.assertIn("heartbeat_interval_ms", caught.exception.message)


class ResumeAcrossRestartTest(unittest.TestCase):
    """A subscription outlives a server restart: after SIGTERM ends its
    stream with UNAVAILABLE it resubscribes from its position, and the
    events recorded meanwhile arrive once each, in order."""

    def setUp(self):
        self.server = Server()
        self.addCleanup(self.server.cleanup)
        self.server.start()
        self.client = pactlog.Client(self.server.address, timeout=5.0, append_attempts=40)
        self.addCleanup(self.client.close)

    def test_iterator_continues_after_restart_without_gap_or_duplicate(self):
        deal, noise = "us-japan", "us-korea"
        expected = list(self.client.append(deal, [us_japan_announcement()] +
                                           [tariff(i) for i in range(3)]).sequences)
        self.client.append(noise, us_japan_announcement())

        sub = self.client.subscribe(deal_ids=[deal], max_events_per_message=2)
        self.addCleanup(sub.close)
        received, errors = [], []

        def consume():
            try:
                for event in sub:
                    received.append(event.sequence)
            except BaseException as e:
                errors.append(e)

        consumer = threading.Thread(target=consume, daemon=True)
        consumer.start()
        wait_for(lambda: received == expected, what="the history")
        expected += self.client.append(deal, [tariff(i) for i in range(3, 6)]).sequences
        wait_for(lambda: received == expected, what="the live events")

        self.server.stop()
        wait_for(lambda: sub._call is None or errors, what="the stream to end")
        self.server.start()
        # Recorded after the restart, before the subscriber is back or while
        # it reconnects; interleaved with another deal's events.
        restarted = time.monotonic()
        for i in range(6, 12):
            self.client.append(noise, tariff(100 + i))
            expected += self.client.append(deal, tariff(i)).sequences
        wait_for(lambda: len(received) >= len(expected) or errors,
                 what="the events recorded after the restart")
        resumed_in = time.monotonic() - restarted
        self.assertEqual(errors, [])
        self.assertEqual(received, expected)
        self.assertEqual(sub.reconnects, 1)
        self.assertEqual(sub.last_sequence, expected[-1])
        print(f"\n  resumed and caught up {resumed_in:.2f} s after the restart", end=" ")

        # And it stays live.
        expected += self.client.append(deal, tariff(99)).sequences
        wait_for(lambda: received == expected, what="a live event after the resume")
        sub.close()
        consumer.join(10)
        self.assertFalse(consumer.is_alive())

    def next_while_stopping(self, sub):
        """Sends SIGTERM while a consumer waits in next(sub), as a consumer of
        a live stream does; returns what next() raised."""
        errors = []

        def wait_next():
            try:
                next(sub)
            except BaseException as e:
                errors.append(e)

        consumer = threading.Thread(target=wait_next, daemon=True)
        consumer.start()
        self.server.begin_stop()
        consumer.join(30)
        self.assertFalse(consumer.is_alive(), "next() still blocked after the stop")
        self.assertEqual(len(errors), 1)
        return errors[0]

    def test_without_reconnect_the_restart_is_an_error(self):
        self.client.append("us-japan", us_japan_announcement())
        sub = self.client.subscribe(reconnect=False, markers=True)
        self.assertIsInstance(next(sub), pactlog.Event)
        self.assertIsInstance(next(sub), pactlog.CaughtUp)
        error = self.next_while_stopping(sub)
        # pactlogd's exit waits (~5 s) for an idle client connection to go.
        self.client.close()
        self.server.stop()
        self.assertIsInstance(error, pactlog.PactlogError)
        self.assertIn(error.code, (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED))

    def test_a_timeout_the_caller_set_ends_it_while_the_server_is_down(self):
        sub = self.client.subscribe(markers=True, timeout=3.0)
        self.assertIsInstance(next(sub), pactlog.CaughtUp)
        # The server goes and stays away: without the timeout the
        # subscription would wait for it for ever.
        error = self.next_while_stopping(sub)
        self.assertIsInstance(error, pactlog.DeadlineExceededError)


if __name__ == "__main__":
    unittest.main()
