"""The Python client against the real marketplace.jar, started here on free ports."""

from __future__ import annotations

import queue
import socket
import struct
import sys
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marketplace_bridge import BridgeClient, BridgeError, FrameDecoder, encode_frame  # noqa: E402
from tests.shop import Shop, http  # noqa: E402


class FramingTest(unittest.TestCase):
    def test_frames_survive_any_cut_of_the_stream(self) -> None:
        stream = encode_frame({"type": "message", "body": {"q": "чайник"}}) + encode_frame({"type": "pong"})
        for cut in range(len(stream) + 1):
            decoder = FrameDecoder()
            frames = list(decoder.feed(stream[:cut])) + list(decoder.feed(stream[cut:]))
            self.assertEqual([{"type": "message", "body": {"q": "чайник"}}, {"type": "pong"}], frames)

    def test_a_request_nobody_answers_times_out(self) -> None:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            port = server.getsockname()[1]
            client = BridgeClient("127.0.0.1", port, reconnect=False)
            conn, _ = server.accept()
            try:
                started = time.monotonic()
                with self.assertRaises(TimeoutError):
                    client.request("bridge.catalog.search", {}, timeout=0.5)
                self.assertLess(time.monotonic() - started, 5)
                length = struct.unpack(">I", conn.recv(4))[0]
                self.assertIn(b'"bridge.catalog.search"', conn.recv(length))
            finally:
                client.close()
                conn.close()


class BridgeTest(unittest.TestCase):
    shop: Shop

    @classmethod
    def setUpClass(cls) -> None:
        cls.shop = Shop()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.shop.stop()

    def client(self, token: str = None) -> BridgeClient:
        client = BridgeClient("127.0.0.1", self.shop.bridge_port, token=token, timeout=15)
        self.addCleanup(client.close)
        return client

    def test_search_and_product_answer_what_http_answers(self) -> None:
        bridge = self.client()
        path = "/api/v1/catalog/products?in_stock=true&limit=5&sort=price_desc"
        # the catalog still learns the sample stock for a while after start: compare the bridge's
        # answer with HTTP answers taken just before and just after it that agree with each other
        for _ in range(30):
            status, via_http = self.shop.http("GET", path)
            self.assertEqual(200, status)
            via_bridge = bridge.search(in_stock=True, limit=5, sort="price_desc")
            if self.shop.http("GET", path)[1] == via_http:
                break
            time.sleep(1)
        self.assertTrue(via_http["items"])
        self.assertEqual(via_http, via_bridge)
        product_id = via_http["items"][0]["id"]
        self.assertEqual(self.shop.http("GET", f"/api/v1/catalog/products/{product_id}")[1], bridge.product(product_id))
        with self.assertRaises(BridgeError) as missing:
            bridge.product("00000000-0000-4000-8000-000000000000")
        self.assertEqual((404, "NOT_FOUND"), (missing.exception.failure_code, missing.exception.code))
        with self.assertRaises(BridgeError) as bad:
            bridge.search(limit="many")
        self.assertEqual(400, bad.exception.failure_code)
        self.assertEqual("limit", bad.exception.problem["errors"][0]["field"])

    def test_internal_addresses_another_users_feed_and_a_forged_token_are_refused(self) -> None:
        token, user_id = self.shop.account("buyer")
        _, other_id = self.shop.account("buyer")
        bridge = self.client(token)
        for address in ("orders.transition", "payment.refund", "inventory.reserve", "auth.jwks"):
            with self.assertRaises(BridgeError) as refused:
                bridge.request(address, {"order_id": other_id, "to": "PAID"}, authenticated=True)
            self.assertEqual((403, "access_denied"), (refused.exception.failure_code, refused.exception.code))
        errors: "queue.Queue[BridgeError]" = queue.Queue()
        bridge.follow_my_orders(other_id, lambda event: errors.put(AssertionError(event)), errors.put)
        refusal = errors.get(timeout=15)
        self.assertEqual((403, "access_denied", f"bridge.user.{other_id}"), (refusal.failure_code, refusal.code, refusal.address))
        forged = self.client(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
        with self.assertRaises(BridgeError) as invalid:
            forged.orders()
        self.assertEqual((401, "TOKEN_INVALID"), (invalid.exception.failure_code, invalid.exception.code))
        forged.follow_my_orders(user_id, lambda event: errors.put(AssertionError(event)), errors.put)
        self.assertEqual(401, errors.get(timeout=15).failure_code)

    def test_a_malformed_frame_closes_only_its_connection_and_the_client_reconnects(self) -> None:
        healthy = self.client()
        raw = socket.create_connection(("127.0.0.1", self.shop.bridge_port), timeout=10)
        self.addCleanup(raw.close)
        raw.sendall(struct.pack(">I", 9) + b"{not json")
        raw.settimeout(10)
        received = b""
        while True:
            chunk = raw.recv(4096)
            if not chunk:
                break
            received += chunk
        self.assertIn(b"invalid_json", received, "an err frame, then the connection closes")
        oversized = socket.create_connection(("127.0.0.1", self.shop.bridge_port), timeout=10)
        self.addCleanup(oversized.close)
        oversized.sendall(struct.pack(">I", 10_000_000) + b"{")
        oversized.settimeout(10)
        while oversized.recv(4096):
            pass
        self.assertTrue(healthy.search(limit=1)["items"] is not None)

        # the client's own connection is cut by the bridge: it reconnects and answers again
        reconnected = threading.Event()
        healthy.on_reconnect = reconnected.set
        with healthy._write_lock:
            healthy._sock.sendall(struct.pack(">I", 3) + b"{{{")
        self.assertTrue(reconnected.wait(20), "reconnected")
        self.assertIsNotNone(healthy.search(limit=1))

    def test_a_buyer_follows_their_order_live_to_paid_after_a_reconnect(self) -> None:
        token, user_id, order_id, payment_url = self.shop.place_order()
        bridge = self.client(token)
        events: "queue.Queue[dict]" = queue.Queue()
        bridge.follow_my_orders(user_id, events.put, lambda e: events.put({"refused": str(e)}))
        # the bridge drops the connection; the registration is made again on the new one
        reconnected = threading.Event()
        bridge.on_reconnect = reconnected.set
        with bridge._write_lock:
            bridge._sock.sendall(struct.pack(">I", 2) + b"[]")
        self.assertTrue(reconnected.wait(20))
        # the registration is in place once a later request on the connection is answered
        self.assertEqual(order_id, bridge.orders()["items"][0]["id"])
        status, _ = http(f"{payment_url}/confirm", "POST")
        self.assertLess(status, 400)
        deadline = time.time() + 60
        heard = []
        while time.time() < deadline:
            try:
                event = events.get(timeout=1)
            except queue.Empty:
                continue
            heard.append(event)
            if event.get("type") == "OrderStatusChanged" and event.get("status") == "PAID":
                self.assertEqual(order_id, event["order_id"])
                break
        else:
            self.fail(f"no OrderStatusChanged PAID; heard {heard}")
        order = bridge.order(order_id)
        self.assertEqual("PAID", order["status"])
        self.assertEqual(self.shop.http("GET", f"/api/v1/orders/{order_id}", token=token)[1], order)
        stranger, _ = self.shop.account("buyer")
        with self.assertRaises(BridgeError) as foreign:
            self.client(stranger).order(order_id)
        self.assertEqual((404, "NOT_FOUND"), (foreign.exception.failure_code, foreign.exception.code))


if __name__ == "__main__":
    unittest.main()
