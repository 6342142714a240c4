"""Publishes three orders to `orders` on `orderpubsub` through the sidecar (stdlib only)."""

import json
import os
import time
import urllib.request

URL = f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}/v1.0/publish/orderpubsub/orders"
for order_id in (1, 2, 3):
    request = urllib.request.Request(URL, data=json.dumps({"orderId": order_id}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(request).read()
    print(f"Published data: {{'orderId': {order_id}}}", flush=True)
    time.sleep(0.5)
