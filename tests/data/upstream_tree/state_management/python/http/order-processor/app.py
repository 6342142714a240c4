"""order-processor over Dapr's HTTP state API, standard library only (no install step)."""

import json
import os
import time
import urllib.request

BASE = f"http://127.0.0.1:{os.environ.get('DAPR_HTTP_PORT', '3500')}/v1.0/state/statestore"


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return response.read().decode()


for order_id in range(1, 4):
    call("POST", BASE, [{"key": str(order_id), "value": {"orderId": order_id}}])
    print(f"Saved order {order_id}", flush=True)
    print(f"Got order {call('GET', f'{BASE}/{order_id}')}", flush=True)
    call("DELETE", f"{BASE}/{order_id}")
    print(f"Deleted order {order_id}", flush=True)
    time.sleep(0.2)
