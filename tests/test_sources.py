"""Trusted downloads against a local HTTP server serving files in the official formats."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import signal
import subprocess
import sys
import time

import pytest
from served import closed_port_url, md5, serve, write_mnist_fixture

from rgan.data import dataset_source, fetch_dataset, load_dataset
from rgan.data.idx import DataFormatError
from rgan.data.sources import (
    ChecksumError,
    DownloadError,
    RemoteFile,
    RetryPolicy,
    Source,
    fetch_file,
    resolve_data_dir,
)

FAST = RetryPolicy(retries=2, backoff_seconds=0.01, timeout_seconds=5)


@pytest.fixture
def mnist_files(tmp_path):
    served = tmp_path / "served"
    return served, write_mnist_fixture(served)


def fetch_mnist(data_dir, mirrors, checksums):
    manifest = fetch_dataset("mnist", {"mirrors": mirrors, "checksums": checksums}, data_dir, FAST)
    return {name: entry["path"] for name, entry in manifest["files"].items()}


def leftovers(directory):
    return sorted(path.name for path in directory.rglob("*") if path.is_file())


def test_official_source_keeps_published_checksums_and_mirror_order():
    source = dataset_source("mnist", {})
    assert source.mirrors[0].startswith("https://ossci-datasets.s3.amazonaws.com/mnist")
    assert "yann.lecun.com" in source.mirrors[1]
    checksums = {file.name: file.checksum for file in source.files}
    assert checksums["train-images-idx3-ubyte.gz"] == "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert len(dataset_source("fashion", {}).files) == 4
    sizes = {file.name: file.size for file in dataset_source("fashion", {}).files}
    assert sizes["train-images-idx3-ubyte.gz"] == 26421880
    assert {file.size for file in source.files} == {9912422, 28881, 1648877, 4542}
    # a file with its own checksum is another file: the official size no longer bounds it
    own = dataset_source("mnist", {"checksums": {"t10k-labels-idx1-ubyte.gz": "md5:" + "1" * 32}})
    assert {file.name: file.size for file in own.files}["t10k-labels-idx1-ubyte.gz"] is None


def test_good_download_is_verified_and_readable(mnist_files, tmp_path, caplog):
    served, checksums = mnist_files
    caplog.set_level(logging.INFO)
    with serve(served) as url:
        files = fetch_mnist(tmp_path / "data", [url], checksums)
    assert sorted(files) == sorted(checksums)
    assert "bytes received" in caplog.text
    data = load_dataset(
        "mnist", {"size": [14, 14]}, {k: tmp_path / "data/mnist" / k for k in files}
    )
    assert data.X.shape == (500, 14, 14) and data.y.shape == (500,)
    assert data.class_names[3] == "3"


def test_wrong_checksum_fails_names_url_and_hashes_and_leaves_nothing(mnist_files, tmp_path):
    served, checksums = mnist_files
    name = "train-labels-idx1-ubyte.gz"
    bad = {**checksums, name: "md5:" + "0" * 32}
    with serve(served) as url, pytest.raises(ChecksumError) as caught:
        fetch_mnist(tmp_path / "data", [url], bad)
    message = str(caught.value)
    assert url + name in message and "0" * 32 in message and checksums[name][4:] in message
    assert name not in leftovers(tmp_path / "data")
    assert not [f for f in leftovers(tmp_path / "data") if f.endswith(".tmp")]


def test_truncated_download_is_retried_then_fails_without_a_trace(mnist_files, tmp_path):
    served, checksums = mnist_files
    name = "train-images-idx3-ubyte.gz"
    with serve(served, truncate={name}) as url, pytest.raises(DownloadError) as caught:
        fetch_mnist(tmp_path / "data", [url], checksums)
    assert "attempt 2" in str(caught.value) and "IncompleteRead" in str(caught.value)
    assert name not in leftovers(tmp_path / "data")
    assert not [f for f in leftovers(tmp_path / "data") if f.endswith(".tmp")]


def test_server_down_then_next_mirror(mnist_files, tmp_path, caplog):
    served, checksums = mnist_files
    down = closed_port_url()
    with serve(served) as url:
        files = fetch_mnist(tmp_path / "data", [down, url], checksums)
    assert len(files) == 4
    assert f"{down}train-images-idx3-ubyte.gz (attempt 2)" in caplog.text


def test_missing_file_on_a_mirror_moves_on(mnist_files, tmp_path):
    served, checksums = mnist_files
    empty = tmp_path / "empty"
    empty.mkdir()
    with serve(empty) as missing, serve(served) as url:
        files = fetch_mnist(tmp_path / "data", [missing, url], checksums)
    assert len(files) == 4


def test_hand_placed_files_in_data_dir_need_no_network(mnist_files, tmp_path):
    served, checksums = mnist_files
    data_dir = tmp_path / "offline"
    (data_dir / "mnist").mkdir(parents=True)
    for path in served.iterdir():
        (data_dir / "mnist" / path.name).write_bytes(path.read_bytes())
    files = fetch_mnist(data_dir, [closed_port_url()], checksums)
    assert len(files) == 4


def test_corrupt_hand_placed_file_is_refused_and_kept(mnist_files, tmp_path):
    served, checksums = mnist_files
    placed = tmp_path / "offline/mnist/train-images-idx3-ubyte.gz"
    placed.parent.mkdir(parents=True)
    placed.write_bytes(b"not the file")
    with pytest.raises(ChecksumError, match=str(placed)):
        fetch_mnist(tmp_path / "offline", [closed_port_url()], checksums)
    assert placed.exists()


def test_data_dir_comes_from_config_then_environment(monkeypatch):
    monkeypatch.delenv("RGAN_DATA_DIR", raising=False)
    assert str(resolve_data_dir(None)) == "results/downloads"
    monkeypatch.setenv("RGAN_DATA_DIR", "/shared/datasets")
    assert str(resolve_data_dir(None)) == "/shared/datasets"
    assert str(resolve_data_dir("/scratch/me")) == "/scratch/me"


def test_wrong_magic_number_names_the_file(mnist_files, tmp_path):
    served, _ = mnist_files
    labels = served / "train-labels-idx1-ubyte.gz"
    images = served / "train-images-idx3-ubyte.gz"
    labels.write_bytes(images.read_bytes())  # an images file where labels belong
    files = {path.name: path for path in served.iterdir()}
    with pytest.raises(DataFormatError) as caught:
        load_dataset("mnist", {}, files)
    assert str(labels) in str(caught.value)
    assert "bad IDX magic number 0x00000803, expected 0x00000801" in str(caught.value)


def test_truncated_gzip_names_the_file(mnist_files):
    served, _ = mnist_files
    images = served / "t10k-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:-200])
    with pytest.raises(DataFormatError, match=f"{images}: truncated or corrupt gzip"):
        load_dataset("mnist", {}, {path.name: path for path in served.iterdir()})


def test_images_and_labels_of_different_lengths_name_both_files(mnist_files):
    served, _ = mnist_files
    labels = served / "t10k-labels-idx1-ubyte.gz"
    with gzip.open(labels, "rb") as handle:
        raw = handle.read()
    short = raw[:4] + (99).to_bytes(4, "big") + raw[8 : 8 + 99]
    with gzip.open(labels, "wb") as handle:
        handle.write(short)
    with pytest.raises(DataFormatError) as caught:
        load_dataset("mnist", {}, {path.name: path for path in served.iterdir()})
    assert "t10k-images-idx3-ubyte.gz holds 100 images" in str(caught.value)
    assert "99 labels" in str(caught.value)


def test_lfw_without_published_checksum_is_locked_on_first_download(tmp_path):
    from lfw_fixture import write_lfwcrop_zip

    served = tmp_path / "served"
    served.mkdir()
    write_lfwcrop_zip(served / "lfwcrop_grey.zip", {"Ada_Lovelace": 3, "Alan_Turing": 4})
    with serve(served) as url:
        manifest = fetch_dataset("lfw", {"mirrors": [url]}, tmp_path / "data", FAST)
    lock = json.loads((tmp_path / "data/lfw/checksums.lock").read_text())
    assert lock == {"lfwcrop_grey.zip": sha256_of(served / "lfwcrop_grey.zip")}
    assert manifest["files"]["lfwcrop_grey.zip"]["path"].endswith("lfw/lfwcrop_grey.zip")
    # lfw64 shares the archive and its lock; a changed archive is refused ever after.
    local = tmp_path / "data/lfw/lfwcrop_grey.zip"
    local.write_bytes(local.read_bytes()[:-10])
    with pytest.raises(ChecksumError, match="checksum mismatch for lfwcrop_grey.zip"):
        fetch_dataset("lfw64", {"mirrors": [closed_port_url()]}, tmp_path / "data", FAST)
    data = load_dataset(
        "lfw", {"min_faces_per_person": 3}, {"lfwcrop_grey.zip": served / "lfwcrop_grey.zip"}
    )
    assert data.X.shape == (7, 28, 28) and data.class_names == ["Ada_Lovelace", "Alan_Turing"]


def sha256_of(path):
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def blob(directory, name, size):
    """A served file of `size` bytes; returns its RemoteFile (checksum known, size not)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(bytes(range(256)) * (size // 256) + bytes(size % 256))
    return RemoteFile(name, md5(path))


def fetch_one(mirrors, file, directory, **policy):
    policy = {"retries": 2, "backoff_seconds": 0.01, "timeout_seconds": 5, **policy}
    return fetch_file(Source(tuple(mirrors), (file,)), file, directory, RetryPolicy(**policy))


def refused_trickle(tmp_path, name, size, trickle_seconds, **policy) -> tuple[str, str, float]:
    """Fetch a file served a byte at a time, which must fail: (base URL, error, seconds taken)."""
    file = blob(tmp_path / "served", name, size)
    start = time.monotonic()
    with (
        serve(tmp_path / "served", trickle={name}, trickle_seconds=trickle_seconds) as url,
        pytest.raises(DownloadError) as caught,
    ):
        fetch_one([url], file, tmp_path / "data", **policy)
    return url, str(caught.value), time.monotonic() - start


def test_declared_size_over_max_bytes_is_refused_before_the_body(tmp_path):
    url, message, seconds = refused_trickle(tmp_path, "big.bin", 300, 0.01, max_bytes=100)
    assert seconds < 1.5  # the body takes 3 s to come: it was never read
    assert f"{url}big.bin declares 300 bytes, over the limit of 100 bytes" in message
    assert "download.max_bytes" in message and "attempt 2" not in message
    assert leftovers(tmp_path / "data") == []


def test_endless_body_is_cut_just_past_max_bytes_and_the_next_mirror_used(tmp_path, caplog):
    file = blob(tmp_path / "served", "data.bin", 5000)
    with (
        serve(tmp_path / "served", endless={"data.bin"}) as endless,
        serve(tmp_path / "served") as good,
    ):
        path = fetch_one([endless, good], file, tmp_path / "data", max_bytes=10_000)
    assert path.read_bytes() == (tmp_path / "served/data.bin").read_bytes()
    assert f"{endless}data.bin sent more than the limit of 10000 bytes" in caplog.text
    assert f"{endless}data.bin (attempt 2)" not in caplog.text  # not retried
    assert leftovers(tmp_path / "data") == ["data.bin"]


@pytest.mark.parametrize("behaviour", ["declared", "endless"])
def test_body_longer_than_the_known_size_is_refused(tmp_path, behaviour):
    file = blob(tmp_path / "served", "known.bin", 1000)
    endless = {"known.bin"} if behaviour == "endless" else set()
    handler = signal.getsignal(signal.SIGTERM)
    with (
        serve(tmp_path / "served", endless=endless) as url,
        pytest.raises(DownloadError) as caught,
    ):
        fetch_one([url], RemoteFile("known.bin", file.checksum, 999), tmp_path / "data")
    expected = "declares 1000 bytes, over" if behaviour == "declared" else "sent more than"
    assert f"{url}known.bin {expected} the limit of 999 bytes" in str(caught.value)
    assert "(the known size of known.bin)" in str(caught.value)
    assert leftovers(tmp_path / "data") == []
    assert signal.getsignal(signal.SIGTERM) is handler  # restored after the download


def test_slow_trickle_is_stopped_at_the_deadline(tmp_path):
    url, message, seconds = refused_trickle(tmp_path, "slow.bin", 100, 0.05, deadline_seconds=0.5)
    assert seconds < 2.5  # the whole body takes 5 s
    assert f"{url}slow.bin did not finish within the deadline of 0.5 s" in message
    assert "download.deadline_seconds" in message and "attempt 2" not in message
    assert leftovers(tmp_path / "data") == []


DOWNLOADER = """
import sys
from pathlib import Path
from rgan.data.sources import RemoteFile, RetryPolicy, Source, fetch_file

file = RemoteFile("slow.bin", None)
fetch_file(Source((sys.argv[1],), (file,)), file, Path(sys.argv[2]), RetryPolicy(retries=1))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_signal_during_download_leaves_no_temp_file(tmp_path, signum):
    blob(tmp_path / "served", "slow.bin", 1000)
    data = tmp_path / "data"
    with serve(tmp_path / "served", trickle={"slow.bin"}) as url:
        # A runner started in the background (`cmd &`) ignores SIGINT, and Python then keeps
        # ignoring it: the downloader gets the default action back, as in a terminal.
        default_int = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
        command = [sys.executable, "-c", DOWNLOADER, url, str(data)]
        process = subprocess.Popen(command, preexec_fn=default_int)
        try:
            deadline = time.monotonic() + 30
            while not list(data.glob("*.tmp")) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert list(data.glob("*.tmp")), "the download never started"
            time.sleep(0.3)  # receiving the trickle now
            process.send_signal(signum)
            returncode = process.wait(timeout=10)
        finally:
            process.kill()
    assert returncode != 0
    assert leftovers(data) == []
