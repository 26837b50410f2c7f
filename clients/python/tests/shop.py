"""Test support: the real marketplace.jar on free ports, and its HTTP API as a client uses it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

JAR = Path(os.environ.get("MARKETPLACE_JAR", Path(__file__).resolve().parents[3] / "verticles/app/target/marketplace.jar"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Shop:
    """``java -jar marketplace.jar --ephemeral`` on free ports, up until ``stop``."""

    def __init__(self) -> None:
        if not JAR.exists():
            raise RuntimeError(f"{JAR} is missing: build it first (mvn -B -ntp verify, or package)")
        self.http_port, self.bank_port, self.bridge_port = free_port(), free_port(), free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="marketplace-py-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            ["java", "-Xmx768m", "-jar", str(JAR), "--ephemeral", "--http-port", str(self.http_port),
             "--bank-port", str(self.bank_port), "--bridge-port", str(self.bridge_port)],
            stdout=self.log, stderr=subprocess.STDOUT,
            # every test account signs up from 127.0.0.1: the per-address sign-up limit would stop the tests
            env=dict(os.environ, MARKETPLACE_GATEWAY_RATE_LIMITS_ENABLED="false"))
        deadline = time.time() + 300
        while True:
            output = Path(self.log.name).read_text(errors="replace")
            if "Marketplace is up" in output:
                return
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("marketplace did not start:\n" + output[-4000:])
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def http(self, method: str, path: str, body: Optional[Dict[str, Any]] = None, token: Optional[str] = None,
             headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
        return http(f"http://127.0.0.1:{self.http_port}{path}", method, body, token, headers)

    def account(self, role: str) -> Tuple[str, str]:
        """A new account: (access token, user id)."""
        email = f"{role}-{uuid.uuid4()}@example.com"
        status, registered = self.http("POST", "/api/v1/auth/register",
                                       {"email": email, "password": "Correct-Horse-9", "name": f"Test {role}", "role": role})
        assert status == 201, registered
        status, login = self.http("POST", "/api/v1/auth/login", {"email": email, "password": "Correct-Horse-9"})
        assert status == 200, login
        return login["access_token"], registered["user_id"]

    def place_order(self) -> Tuple[str, str, str, str]:
        """A stocked product in a new buyer's cart, checked out: (token, user id, order id, payment url)."""
        seller, _ = self.account("seller")
        status, product = self.http("POST", "/api/v1/seller/products", {
            "title": f"Чайник {uuid.uuid4()}", "description": "для теста", "brand": "Tefal", "category_id": 111,
            "price": {"amount": 249000, "currency": "RUB"}, "attributes": {}}, seller)
        assert status == 201, product
        status, stock = self.http("PUT", f"/api/v1/seller/products/{product['id']}/stock", {"warehouse": "main", "quantity": 5}, seller)
        assert status == 200, stock
        token, user_id = self.account("buyer")
        status, cart = self.http("POST", "/api/v1/cart/items", {"product_id": product["id"], "quantity": 1}, token)
        assert status in (200, 201), cart
        status, placed = self.http("POST", "/api/v1/checkout", {"cart_id": cart["id"], "payment_method": "card"}, token,
                                   {"Idempotency-Key": str(uuid.uuid4())})
        assert status == 201, placed
        return token, user_id, placed["order_id"], placed["payment_url"]


def http(url: str, method: str = "GET", body: Optional[Dict[str, Any]] = None, token: Optional[str] = None,
         headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
    h = {"Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        h["Content-Type"] = "application/json"
    if token:
        h["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode("utf-8")
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read().decode("utf-8")
        return e.code, json.loads(text) if text else None
