"""A small `lfwcrop_grey.zip` in the layout of the real LFWcrop archive, with synthetic faces."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

README = """LFWcrop Face Dataset (synthetic test fixture)

Cropped versions of the faces in Labeled Faces in the Wild, 64x64 pixels, greyscale.
faces/ holds one PGM per face, named <Person>_<NNNN>.pgm; lists/ holds evaluation lists.
"""


def face(rng: np.random.Generator, traits: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """One (height, width) uint8 face: an ellipse with the person's brightness, eyes and mouth,
    shifted by a pixel or so and with a little noise."""
    height, width = size
    skin, background, eye_y, eye_gap, mouth_y, mouth_w = traits
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    y, x = y / height + rng.normal(0, 0.01), x / width + rng.normal(0, 0.01)
    inside = ((x - 0.5) / 0.36) ** 2 + ((y - 0.52) / 0.46) ** 2 <= 1
    image = np.where(inside, skin, background)
    for eye_x in (0.5 - eye_gap, 0.5 + eye_gap):
        image = np.where((x - eye_x) ** 2 + (y - eye_y) ** 2 <= 0.06**2, 30.0, image)
    mouth = (np.abs(x - 0.5) <= mouth_w) & (np.abs(y - mouth_y) <= 0.03)
    image = np.where(mouth, skin * 0.45, image)
    image += rng.normal(0, 4, size)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def pgm(image: np.ndarray) -> bytes:
    """Binary PGM (P5) with a comment line in its header."""
    height, width = image.shape
    return f"P5\n# CREATOR: lfw_fixture\n{width} {height}\n255\n".encode() + image.tobytes()


def write_lfwcrop_zip(
    path: Path,
    faces_per_person: dict[str, int],
    size: tuple[int, int] = (64, 64),
    seed: int = 0,
) -> None:
    """Write `lfwcrop_grey/faces/<Name>_<NNNN>.pgm` (NNNN from 0001) for each person, in the
    given order, plus `lfwcrop_grey/lists/` and a README; `size` is (height, width)."""
    rng = np.random.default_rng(seed)
    lists = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.mkdir("lfwcrop_grey")
        archive.mkdir("lfwcrop_grey/faces")
        archive.mkdir("lfwcrop_grey/lists")
        for name, count in faces_per_person.items():
            traits = np.array(
                [
                    rng.uniform(110, 230),  # skin brightness
                    rng.uniform(10, 90),  # background
                    rng.uniform(0.30, 0.45),  # eye height
                    rng.uniform(0.10, 0.22),  # half the distance between the eyes
                    rng.uniform(0.70, 0.82),  # mouth height
                    rng.uniform(0.06, 0.18),  # half the mouth width
                ]
            )
            stems = [f"{name}_{number:04d}" for number in range(1, count + 1)]
            for stem in stems:
                archive.writestr(f"lfwcrop_grey/faces/{stem}.pgm", pgm(face(rng, traits, size)))
            lists += [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)]
        archive.writestr("lfwcrop_grey/lists/01_train_same.txt", "\n".join(lists) + "\n")
        archive.writestr("lfwcrop_grey/README.txt", README)
