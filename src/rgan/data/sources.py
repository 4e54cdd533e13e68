"""Trusted downloads: mirrors tried in turn with retries and back-off, checksums verified before a
file is renamed into place, and hand-placed files (offline clusters) verified the same way. Each
file is bounded in size and in time, and its temporary file goes away on every exit, SIGTERM
included."""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

from rgan.config import FromConfig
from rgan.interrupt import sigterm_raises
from rgan.io import atomic_path, read_json, write_json

logger = logging.getLogger(__name__)

DATA_DIR_ENV = "RGAN_DATA_DIR"
DEFAULT_DATA_DIR = "results/downloads"
CHUNK = 1 << 16
USER_AGENT = "rgan-workflow/0.1 (dataset download)"  # some hosts refuse urllib's default


class DownloadError(RuntimeError):
    """Every mirror failed for a file."""


class ChecksumError(RuntimeError):
    """A file's hash differs from the published one."""


class DownloadLimitError(RuntimeError):
    """A mirror sent more bytes than a file may have, or took longer than the deadline."""


LOCK_FILE = "checksums.lock"


@dataclass(frozen=True)
class RemoteFile:
    """A file of a dataset and its published checksum, written `algorithm:hexdigest`; None when
    nothing is published: the first download's SHA-256 is then recorded in a lock file. `size`
    (bytes), where known and stable, is the most a mirror may send; else `max_bytes` applies."""

    name: str
    checksum: str | None
    size: int | None = None

    @property
    def algorithm(self) -> str:
        return self.checksum.split(":", 1)[0]

    @property
    def digest(self) -> str:
        return self.checksum.split(":", 1)[1].lower()


@dataclass(frozen=True)
class Source:
    """Where a dataset's files come from: base URLs tried in order, and the files."""

    mirrors: tuple[str, ...]
    files: tuple[RemoteFile, ...]


@dataclass(frozen=True)
class RetryPolicy(FromConfig):
    """The config's `download` section. `timeout_seconds` bounds each network read;
    `deadline_seconds` a whole file (checked between reads, so it may be overrun by up to one
    `timeout_seconds`); `max_bytes` the size of a file whose size is not known."""

    retries: int = 3
    backoff_seconds: float = 2.0
    timeout_seconds: float = 60.0
    max_bytes: int = 2 * 1024**3
    deadline_seconds: float = 3600.0


def resolve_data_dir(configured: str | None) -> Path:
    """The config's `data_dir` if set, else $RGAN_DATA_DIR, else results/downloads."""
    return Path(configured or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def file_hash(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, expected: RemoteFile, origin: str) -> None:
    actual = file_hash(path, expected.algorithm)
    if actual != expected.digest:
        raise ChecksumError(
            f"checksum mismatch for {expected.name} from {origin}: expected "
            f"{expected.algorithm} {expected.digest}, got {actual}"
        )


def download(url: str, target: Path, expected: RemoteFile, policy: RetryPolicy) -> None:
    """Stream `url` to a temporary file, verify it (when a checksum is known), and only then
    rename it to `target`. More bytes than `expected.size` (or `policy.max_bytes`), declared or
    sent, or a download running past `policy.deadline_seconds`, raise DownloadLimitError."""
    limit = expected.size or policy.max_bytes
    what = f"the known size of {expected.name}" if expected.size else "download.max_bytes"
    deadline = time.monotonic() + policy.deadline_seconds
    with sigterm_raises(), atomic_path(target) as tmp:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with (
            urllib.request.urlopen(request, timeout=policy.timeout_seconds) as response,
            open(tmp, "wb") as out,
        ):
            total = int(response.headers.get("Content-Length") or 0)
            if total > limit:
                raise DownloadLimitError(
                    f"{url} declares {total} bytes, over the limit of {limit} bytes ({what})"
                )
            received, next_report = 0, 0.1
            # read1 returns what one socket read gives, so a trickle cannot hide the deadline;
            # asking for at most limit + 1 bytes stops an oversized body as soon as it passes.
            while chunk := response.read1(min(CHUNK, limit + 1 - received)):
                out.write(chunk)
                received += len(chunk)
                if received > limit:
                    raise DownloadLimitError(
                        f"{url} sent more than the limit of {limit} bytes ({what})"
                    )
                if time.monotonic() > deadline:
                    raise DownloadLimitError(
                        f"{url} did not finish within the deadline of {policy.deadline_seconds:g} s"
                        f" (download.deadline_seconds); {received} bytes received"
                    )
                if total and received / total >= next_report:
                    logger.info(
                        "%s: %d of %d bytes (%.0f%%)", url, received, total, 100 * received / total
                    )
                    next_report += 0.1
            if total and received != total:
                raise http.client.IncompleteRead(b"", total - received)
        logger.info("%s: %d bytes received", url, received)
        if expected.checksum is not None:
            verify(tmp, expected, url)


def fetch_file(source: Source, file: RemoteFile, directory: Path, policy: RetryPolicy) -> Path:
    """Return the verified local copy of `file`, downloading it if it is not there yet. Network
    errors are retried on the same mirror; a 404 or a size or deadline overrun is not (a mirror
    that sends too much or too slowly will do so again), the next mirror is tried instead."""
    target = directory / file.name
    if target.exists():
        if file.checksum is not None:
            verify(target, file, str(target))
            logger.info("%s: present and verified (%s)", target, file.algorithm)
        return target
    failures = []
    for mirror in source.mirrors:
        url = mirror.rstrip("/") + "/" + file.name
        for attempt in range(1, policy.retries + 1):
            try:
                download(url, target, file, policy)
                return target
            except DownloadLimitError as error:
                failures.append(f"{url} (attempt {attempt}): {error}")
                logger.warning("download failed: %s", failures[-1])
                break
            except (OSError, http.client.HTTPException) as error:
                failures.append(f"{url} (attempt {attempt}): {error!r}")
                logger.warning("download failed: %s", failures[-1])
                if isinstance(error, urllib.error.HTTPError) and error.code == 404:
                    break
                if attempt < policy.retries:
                    time.sleep(policy.backoff_seconds * 2 ** (attempt - 1))
    raise DownloadError(f"could not download {file.name}; tried:\n  " + "\n  ".join(failures))


def fetch(source: Source, directory: Path, policy: RetryPolicy) -> dict[str, Path]:
    """Fetch and verify every file of `source` into `directory`. Files without a published
    checksum are verified against `directory/checksums.lock`, written on first download."""
    directory.mkdir(parents=True, exist_ok=True)
    lock_path = directory / LOCK_FILE
    lock = read_json(lock_path) if lock_path.exists() else {}
    paths = {}
    for file in source.files:
        if file.checksum is None and file.name in lock:
            file = replace(file, checksum=lock[file.name])
        paths[file.name] = fetch_file(source, file, directory, policy)
        if file.checksum is None:
            lock[file.name] = "sha256:" + file_hash(paths[file.name], "sha256")
            write_json(lock_path, lock)
            logger.info(
                "%s: no published checksum; recorded %s in %s",
                file.name,
                lock[file.name],
                lock_path,
            )
    return paths
