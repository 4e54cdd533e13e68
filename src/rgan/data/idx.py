"""The IDX format of MNIST and Fashion-MNIST (gzip-compressed), with errors that name the file."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions (count, rows, columns)
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension (count)


class DataFormatError(ValueError):
    """A data file is not what its format promises."""


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Read an IDX file (gzip or plain) whose magic number must be `magic`."""
    try:
        with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as handle:
            raw = handle.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise DataFormatError(f"{path}: truncated or corrupt gzip file ({error})") from error
    if len(raw) < 4:
        raise DataFormatError(f"{path}: only {len(raw)} bytes, too short for an IDX header")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise DataFormatError(f"{path}: bad IDX magic number 0x{found:08x}, expected 0x{magic:08x}")
    rank = raw[3]
    header = 4 + 4 * rank
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank))
    if len(raw) != header + int(np.prod(shape)):
        raise DataFormatError(
            f"{path}: header promises shape {shape} ({int(np.prod(shape))} bytes of data) "
            f"but the file holds {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write unsigned-byte `array` as gzip-compressed IDX (used to make test fixtures)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.tobytes())
