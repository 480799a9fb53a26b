"""A scrape bridge: Prometheus 2.42 (Debian 12's) cannot send the ``X-API-Key`` header the
API's ``/metrics`` wants, so it scrapes this small local proxy, which adds the key and
passes the API's answer on. It listens on 127.0.0.1 only and forwards one path."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

METRICS_PATH = "/api/v1/metrics"


class MetricsBridge:
    """Serves GET /metrics from ``api_url``'s metrics with the key added, in a thread."""

    def __init__(self, api_url: str, api_key: str) -> None:
        client = httpx.Client(base_url=api_url, headers={"X-API-Key": api_key}, timeout=10)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404, "only /metrics is bridged")
                    return
                try:
                    answer = client.get(METRICS_PATH)
                except httpx.HTTPError as exc:
                    self.send_error(502, f"the API did not answer: {type(exc).__name__}")
                    return
                body = answer.content
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("content-type", "text/plain"))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: one line per scrape would drown the run's output."""

        self._client = client
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> None:
        """Serve (the port is bound already, so its address can be handed out before)."""
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
        self._client.close()
