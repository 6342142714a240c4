"""Subscribes to `orders` on `orderpubsub` and prints what arrives (stdlib only)."""

import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

SUBSCRIPTIONS = [{"pubsubname": "orderpubsub", "topic": "orders", "route": "/orders"}]


class Handler(BaseHTTPRequestHandler):
    def _reply(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - the sidecar asks for the subscriptions
        self._reply(SUBSCRIPTIONS if self.path == "/dapr/subscribe" else {})

    def do_POST(self):  # noqa: N802
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        print(f"Subscriber received: {event['data']}", flush=True)
        self._reply({"status": "SUCCESS"})

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(os.environ.get("APP_PORT", "6101"))), Handler).serve_forever()
