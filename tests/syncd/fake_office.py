#!/usr/bin/env python3
"""A stand-in central office for tests/syncd/test-config.sh: enrols a new
box with the one-time code in DIR/enrol-code, serves the
site's managed configuration from DIR/config.json with the ETag in
DIR/etag (304 when If-None-Match matches, 404 while there is no
config.json), records each heartbeat to DIR/heartbeat.json and each
profile to DIR/profile.json, and acknowledges every batch of events.
Listens on 127.0.0.1:PORT; writes DIR/ready when it does."""
import gzip
import http.server
import json
import os
import sys

DIR, PORT = sys.argv[1], int(sys.argv[2])


class Office(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status not in (204, 304):
            self.wfile.write(body)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_GET(self):
        if not self.path.endswith("/config"):
            return self.reply(404, b"{}")
        with open(os.path.join(DIR, "config-gets"), "a") as f:
            f.write(self.headers.get("If-None-Match", "-") + "\n")
        try:
            with open(os.path.join(DIR, "config.json"), "rb") as f:
                conf = f.read()
            with open(os.path.join(DIR, "etag")) as f:
                etag = f.read().strip()
        except FileNotFoundError:
            return self.reply(404, b'{"error":"not managed"}')
        if self.headers.get("If-None-Match") == etag:
            return self.reply(304)
        self.reply(200, conf, [("ETag", etag), ("Content-Type", "application/json")])

    def do_PUT(self):
        b = self.body()
        with open(os.path.join(DIR, "profile.json"), "wb") as f:
            f.write(b)
        self.reply(204)

    def do_POST(self):
        b = self.body()
        if self.path == "/api/v1/enrol":
            # one use: DIR/enrol-code holds the valid code until it is used
            path = os.path.join(DIR, "enrol-code")
            try:
                with open(path) as f:
                    code = f.read().strip()
            except FileNotFoundError:
                code = None
            if not code or json.loads(b).get("code") != code:
                return self.reply(403, b'{"error":"unknown, used or expired code"}')
            os.remove(path)
            with open(os.path.join(DIR, "config.json")) as f:
                conf = json.load(f)
            token = "enrolled-token-0123456789"
            tpath = os.path.join(DIR, "enrol-token")  # a test may give another
            if os.path.exists(tpath):
                with open(tpath) as f:
                    token = f.read().rstrip("\n")
            ans = {"site": "paddepoel", "token": token, "config": conf}
            return self.reply(200, json.dumps(ans).encode(),
                              [("Content-Type", "application/json")])
        if self.path.endswith("/heartbeat"):
            with open(os.path.join(DIR, "heartbeat.json.tmp"), "wb") as f:
                f.write(b)
            os.replace(os.path.join(DIR, "heartbeat.json.tmp"), os.path.join(DIR, "heartbeat.json"))
            return self.reply(204)
        if self.headers.get("Content-Encoding") == "gzip":
            b = gzip.decompress(b)
        events = json.loads(b).get("events", [])
        last = events[-1]["seq"] if events else 0
        self.reply(200, json.dumps({"acked_through": last}).encode(),
                   [("Content-Type", "application/json")])

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", PORT), Office)
open(os.path.join(DIR, "ready"), "w").close()
server.serve_forever()
