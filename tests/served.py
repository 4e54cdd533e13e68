"""A local HTTP server on 127.0.0.1 for download tests, and fixtures in the official formats."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from rgan.data.idx import write_idx
from rgan.data.images import resize

ENDLESS_CAP = 64 << 20  # an "endless" body stops here, so a client without a limit still ends


class FixtureHandler(SimpleHTTPRequestHandler):
    """Serves a folder; files named in `truncate` are cut short while claiming their full size,
    those in `endless` are zeros without a Content-Length that go on and on, and those in
    `trickle` come a byte every `trickle_seconds` (with their true Content-Length)."""

    truncate: set[str] = set()
    endless: set[str] = set()
    trickle: set[str] = set()
    trickle_seconds = 0.2

    def log_message(self, format, *args):  # noqa: A002 - keep the test output quiet
        pass

    def do_GET(self):
        if Path(self.path).name not in self.endless:
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        block = bytes(1 << 16)
        try:
            for _ in range(ENDLESS_CAP // len(block)):
                self.wfile.write(block)
        except OSError:  # the client hung up
            pass

    def copyfile(self, source, outputfile):
        name = Path(self.path).name
        if name in self.truncate:
            outputfile.write(source.read(100))
        elif name in self.trickle:
            try:
                while byte := source.read(1):
                    outputfile.write(byte)
                    time.sleep(self.trickle_seconds)
            except OSError:
                pass
        else:
            super().copyfile(source, outputfile)


@contextmanager
def serve(
    directory: Path,
    truncate: set[str] = frozenset(),
    endless: set[str] = frozenset(),
    trickle: set[str] = frozenset(),
    trickle_seconds: float = 0.2,
) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 at a free port; yields the base URL."""
    behaviour = {
        "truncate": set(truncate),
        "endless": set(endless),
        "trickle": set(trickle),
        "trickle_seconds": trickle_seconds,
    }
    handler = type("Handler", (FixtureHandler,), behaviour)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (a server that is down)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}/"


def md5(path: Path) -> str:
    return "md5:" + hashlib.md5(path.read_bytes()).hexdigest()


def write_mnist_fixture(directory: Path, n_train: int = 400, n_test: int = 100) -> dict[str, str]:
    """MNIST-format files (gzip IDX, real magic numbers, 28×28 unsigned bytes) holding real
    handwritten digits (scikit-learn's, enlarged); returns file name → checksum."""
    digits = load_digits()
    images = np.clip(resize(digits.images, 28, 28) * 16, 0, 255).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    directory.mkdir(parents=True, exist_ok=True)
    parts = {"train": slice(0, n_train), "t10k": slice(n_train, n_train + n_test)}
    for part, rows in parts.items():
        write_idx(directory / f"{part}-images-idx3-ubyte.gz", images[rows])
        write_idx(directory / f"{part}-labels-idx1-ubyte.gz", labels[rows])
    return {path.name: md5(path) for path in sorted(directory.glob("*.gz"))}
