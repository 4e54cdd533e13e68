"""LFWcrop greyscale faces (Sanderson): `lfwcrop_grey.zip` of 64×64 PGMs, one per face."""

from __future__ import annotations

import zipfile
import zlib
from collections import Counter
from pathlib import Path, PurePosixPath

import numpy as np

from rgan.data.idx import DataFormatError

FACE_SIZE = 64  # every LFWcrop face is FACE_SIZE × FACE_SIZE pixels
WHITESPACE = b" \t\n\r\v\f"


def person_of(member_name: str) -> str:
    """The person of a face member: '.../Juan_Carlos_Ferrero_0003.pgm' -> 'Juan_Carlos_Ferrero'."""
    stem = PurePosixPath(member_name).name
    if stem.lower().endswith(".pgm"):
        stem = stem[:-4]
    person, _, index = stem.rpartition("_")
    if not person or not index.isdigit():
        raise DataFormatError(f"{member_name}: not a face named <Person>_<NNNN>.pgm")
    return person


def _header(data: bytes, origin: str) -> tuple[bytes, list[int], int]:
    """Magic, [width, height, maxval] and the offset just past maxval, skipping `#` comments."""
    magic = data[:2]
    if magic not in (b"P5", b"P2"):
        raise DataFormatError(f"{origin}: bad PGM magic {magic!r}, expected b'P5' or b'P2'")
    pos, fields = 2, []
    while len(fields) < 3:
        while pos < len(data) and (data[pos] in WHITESPACE or data[pos] == ord("#")):
            if data[pos] == ord("#"):
                end = data.find(b"\n", pos)
                pos = len(data) if end < 0 else end
            pos += 1
        start = pos
        while pos < len(data) and data[pos] not in WHITESPACE and data[pos] != ord("#"):
            pos += 1
        token = data[start:pos]
        if not token.isdigit():
            what = ("width", "height", "maxval")[len(fields)]
            found = repr(token) if token else "end of data"
            raise DataFormatError(f"{origin}: bad PGM header, expected {what} but found {found}")
        fields.append(int(token))
    return magic, fields, pos


def read_pgm(data: bytes, origin: str) -> np.ndarray:
    """Decode a binary (P5) or ASCII (P2) PGM with maxval ≤ 255 to (height, width) uint8,
    rescaled to 0..255 when maxval is below 255; errors name `origin`."""
    magic, (width, height, maxval), pos = _header(data, origin)
    if not 0 < maxval <= 255:
        raise DataFormatError(f"{origin}: PGM maxval {maxval} not supported, expected 1..255")
    count = width * height
    if magic == b"P5":
        raster = data[pos + 1 : pos + 1 + count]  # a single whitespace byte ends the header
        if len(raster) < count:
            raise DataFormatError(
                f"{origin}: PGM pixel data truncated: {len(raster)} of {count} bytes "
                f"({width}×{height})"
            )
        pixels = np.frombuffer(raster, dtype=np.uint8).astype(np.int64)
    else:
        body = b"\n".join(line.split(b"#", 1)[0] for line in data[pos:].splitlines())
        tokens = body.split()
        if len(tokens) < count:
            raise DataFormatError(
                f"{origin}: PGM pixel data truncated: {len(tokens)} of {count} values "
                f"({width}×{height})"
            )
        try:
            pixels = np.array([int(token) for token in tokens[:count]], dtype=np.int64)
        except ValueError as error:
            raise DataFormatError(f"{origin}: bad ASCII PGM pixel value ({error})") from error
    if count and pixels.max() > maxval:
        raise DataFormatError(f"{origin}: PGM pixel value {pixels.max()} exceeds maxval {maxval}")
    if maxval != 255:
        pixels = (pixels * 255 + maxval // 2) // maxval
    return pixels.astype(np.uint8).reshape(height, width)


def read_lfwcrop(
    zip_path: Path, min_faces_per_person: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Faces (N, 64, 64) uint8, labels (N,) int64 and class names (people, alphabetical) of the
    people with at least `min_faces_per_person` faces, ordered by member name."""
    if min_faces_per_person < 1:
        raise ValueError(f"min_faces_per_person must be at least 1, not {min_faces_per_person}")
    try:
        with zipfile.ZipFile(zip_path) as archive:
            members = sorted(
                info.filename
                for info in archive.infolist()
                if not info.is_dir()
                and PurePosixPath(info.filename).parent.name == "faces"
                and info.filename.lower().endswith(".pgm")
            )
            if not members:
                raise DataFormatError(f"{zip_path}: no faces (<folder>/faces/*.pgm) in the archive")
            try:
                people = {member: person_of(member) for member in members}
            except DataFormatError as error:
                raise DataFormatError(f"{zip_path}:{error}") from error
            counts = Counter(people.values())
            class_names = sorted(p for p, n in counts.items() if n >= min_faces_per_person)
            if len(class_names) < 2:
                raise DataFormatError(
                    f"{zip_path}: only {len(class_names)} of {len(counts)} people have at least "
                    f"{min_faces_per_person} faces, at least 2 are needed: "
                    f"lower min_faces_per_person"
                )
            index = {person: label for label, person in enumerate(class_names)}
            kept = [member for member in members if people[member] in index]
            images = np.empty((len(kept), FACE_SIZE, FACE_SIZE), dtype=np.uint8)
            for i, member in enumerate(kept):
                origin = f"{zip_path}:{member}"
                try:
                    data = archive.read(member)
                except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                    raise DataFormatError(f"{origin}: corrupt zip member ({error})") from error
                face = read_pgm(data, origin)
                if face.shape != (FACE_SIZE, FACE_SIZE):
                    height, width = face.shape
                    raise DataFormatError(
                        f"{origin}: PGM is {width}×{height}, expected {FACE_SIZE}×{FACE_SIZE} "
                        f"(width×height)"
                    )
                images[i] = face
    except zipfile.BadZipFile as error:
        raise DataFormatError(f"{zip_path}: not a zip file or truncated ({error})") from error
    labels = np.array([index[people[member]] for member in kept], dtype=np.int64)
    return images, labels, class_names
