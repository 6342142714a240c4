"""Saves a value under a fixed key through the sidecar, waits, reads it back (stdlib only)."""

import json
import os
import sys
import time
import urllib.request

BASE = f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}/v1.0/state/statestore"
value = sys.argv[1]
request = urllib.request.Request(BASE, data=json.dumps([{"key": "order", "value": value}]).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
urllib.request.urlopen(request).read()
print(f"saved: {value}", flush=True)
time.sleep(3)  # long enough for a test beside this one to write the same key, were they to share a store
with urllib.request.urlopen(f"{BASE}/order") as response:
    print(f"read back: {json.loads(response.read())}", flush=True)
