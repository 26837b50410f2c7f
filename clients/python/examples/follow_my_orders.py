"""Search the catalog, then follow my orders live over the TCP bridge:

    python3 examples/follow_my_orders.py http://localhost:8080 localhost:7000 buyer@example.com 'Correct-Horse-9'
"""

import json
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from marketplace_bridge import BridgeClient  # noqa: E402


def post(url, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def main() -> None:
    base, bridge_address = (sys.argv[1:3] + ["http://localhost:8080", "localhost:7000"][len(sys.argv[1:3]):])
    host, port = bridge_address.rsplit(":", 1)
    with BridgeClient(host, int(port)) as bridge:
        for item in bridge.search(q="чайник", in_stock=True, limit=5)["items"]:
            print(f"{item['title']}: {item['price']['amount'] / 100} {item['price']['currency']}")
        if len(sys.argv) < 5:
            return
        bridge.token = post(f"{base}/api/v1/auth/login", {"email": sys.argv[3], "password": sys.argv[4]})["access_token"]
        me = json.load(urllib.request.urlopen(urllib.request.Request(
            f"{base}/api/v1/me", headers={"Authorization": f"Bearer {bridge.token}"})))
        print(f"{len(bridge.orders(limit=5)['items'])} recent orders; following {me['user_id']} (Ctrl-C to stop)")

        def show(event):
            if event["type"] == "OrderStatusChanged":
                print(f"order {event['order_id']} is {event['status']} ({event['at']})")
            else:
                print(f"notification: {event.get('subject')}")

        bridge.follow_my_orders(me["user_id"], show, lambda err: sys.exit(f"refused: {err}"))
        while True:
            time.sleep(1)


if __name__ == "__main__":
    main()
