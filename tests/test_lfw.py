"""LFWcrop greyscale faces: the zip layout, PGM decoding and errors that name the file."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from lfw_fixture import write_lfwcrop_zip

from rgan.data.idx import DataFormatError
from rgan.data.lfw import person_of, read_lfwcrop, read_pgm

PEOPLE = {"Zoe_Smith": 4, "Abe_Lincoln": 3, "Juan_Carlos_Ferrero": 5}
FACE = "lfwcrop_grey/faces/Abe_Lincoln_0002.pgm"


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "lfwcrop_grey.zip"
    write_lfwcrop_zip(path, PEOPLE)
    return path


def replace_member(path, member, data):
    """Rewrite the zip at `path` with `member` holding `data` (added when missing)."""
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members[member] = data
    with zipfile.ZipFile(path, "w") as target:
        for name, content in members.items():
            target.writestr(name, content)


def test_fixture_reads_back_with_shapes_labels_and_names(archive):
    images, labels, names = read_lfwcrop(archive, min_faces_per_person=1)
    assert names == ["Abe_Lincoln", "Juan_Carlos_Ferrero", "Zoe_Smith"]
    assert images.shape == (12, 64, 64) and images.dtype == np.uint8
    assert labels.dtype == np.int64
    assert labels.tolist() == [0] * 3 + [1] * 5 + [2] * 4  # ordered by member name
    with zipfile.ZipFile(archive) as zipped:
        raw = zipped.read(FACE)
        assert "lfwcrop_grey/README.txt" in zipped.namelist()
    np.testing.assert_array_equal(
        images[1], np.frombuffer(raw[-64 * 64 :], np.uint8).reshape(64, 64)
    )


def test_reading_is_deterministic_and_people_are_distinguishable(archive):
    images, labels, _ = read_lfwcrop(archive, min_faces_per_person=1)
    again, again_labels, _ = read_lfwcrop(archive, min_faces_per_person=1)
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(labels, again_labels)
    flat = images.reshape(len(images), -1).astype(np.float64)
    distances = ((flat[:, None] - flat[None]) ** 2).sum(axis=2)
    np.fill_diagonal(distances, np.inf)
    assert (labels[distances.argmin(axis=1)] == labels).all()  # leave-one-out nearest neighbour
    assert len({image.tobytes() for image in images}) == len(images)  # faces differ per image


def test_min_faces_per_person_keeps_only_people_with_enough_faces(archive):
    images, labels, names = read_lfwcrop(archive, min_faces_per_person=4)
    assert names == ["Juan_Carlos_Ferrero", "Zoe_Smith"]
    assert images.shape == (9, 64, 64)
    assert labels.tolist() == [0] * 5 + [1] * 4
    everyone, all_labels, _ = read_lfwcrop(archive, min_faces_per_person=1)
    np.testing.assert_array_equal(images, everyone[all_labels > 0])


@pytest.mark.parametrize(
    ("member", "person"),
    [
        ("lfwcrop_grey/faces/Juan_Carlos_Ferrero_0003.pgm", "Juan_Carlos_Ferrero"),
        ("lfwcrop_grey/faces/George_W_Bush_0001.pgm", "George_W_Bush"),
        ("lfwcrop_grey/faces/Madonna_0001.pgm", "Madonna"),
        ("Tony_Blair_0144.pgm", "Tony_Blair"),
    ],
)
def test_person_of_strips_only_the_index(member, person):
    assert person_of(member) == person


@pytest.mark.parametrize("member", ["lfwcrop_grey/faces/Nobody.pgm", "faces/_0001.pgm"])
def test_person_of_rejects_names_without_person_and_index(member):
    with pytest.raises(DataFormatError, match=member):
        person_of(member)


def test_ascii_pgm_with_comments_and_odd_whitespace():
    data = b"P2\n# a comment\n3   2 # trailing comment\n\t255\n0 1 2\n  253\n254 255\n"
    np.testing.assert_array_equal(read_pgm(data, "x.pgm"), [[0, 1, 2], [253, 254, 255]])


def test_small_maxval_is_rescaled_to_255():
    np.testing.assert_array_equal(read_pgm(b"P2 2 1 15 0 15", "x.pgm"), [[0, 255]])


def test_binary_pgm_header_comments_anywhere():
    pixels = bytes([0, 10, 32, 255, 9, 35])  # 32 is a space and 35 is '#': still pixels
    data = b"P5# after magic\n2 # between\n#\n# twice\n3\r\n255\n" + pixels
    image = read_pgm(data, "x.pgm")
    assert image.shape == (3, 2)
    np.testing.assert_array_equal(image.ravel(), list(pixels))


def test_non_64_by_64_face_names_zip_member_and_size(tmp_path):
    path = tmp_path / "lfwcrop_grey.zip"
    write_lfwcrop_zip(path, {"Ann_Lee": 2, "Bob_Ray": 2}, size=(64, 32))
    with pytest.raises(DataFormatError) as caught:
        read_lfwcrop(path, min_faces_per_person=1)
    message = str(caught.value)
    assert f"{path}:lfwcrop_grey/faces/Ann_Lee_0001.pgm: PGM is 32×64, expected 64×64" in message


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"P6\n64 64\n255\n" + bytes(3 * 64 * 64), "bad PGM magic b'P6'"),
        (b"\x89PNG\r\n", "bad PGM magic"),
        (b"P5\n64 64\n255\n" + bytes(100), "truncated: 100 of 4096 bytes"),
        (b"P2\n64 64\n255\n" + b"7 " * 10, "truncated: 10 of 4096 values"),
        (b"P5\n64 64\n65535\n" + bytes(2 * 64 * 64), "maxval 65535 not supported"),
        (b"P5\n64\n", "expected height but found end of data"),
        (b"P2\n2 1\n9\n3 10\n", "pixel value 10 exceeds maxval 9"),
    ],
)
def test_broken_face_names_zip_member_and_problem(archive, data, problem):
    replace_member(archive, FACE, data)
    with pytest.raises(DataFormatError) as caught:
        read_lfwcrop(archive, min_faces_per_person=1)
    assert f"{archive}:{FACE}: " in str(caught.value)
    assert problem in str(caught.value)


def test_read_pgm_errors_name_the_origin():
    with pytest.raises(DataFormatError, match=r"^somewhere/face\.pgm: bad PGM magic"):
        read_pgm(b"GIF89a", "somewhere/face.pgm")


def test_badly_named_face_names_zip_and_member(archive):
    replace_member(archive, "lfwcrop_grey/faces/noindex.pgm", b"")
    with pytest.raises(DataFormatError, match="noindex.pgm: not a face named"):
        read_lfwcrop(archive, min_faces_per_person=1)


def test_not_a_zip_names_the_path(tmp_path):
    path = tmp_path / "lfwcrop_grey.zip"
    path.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(DataFormatError, match="not a zip file") as caught:
        read_lfwcrop(path, min_faces_per_person=1)
    assert str(path) in str(caught.value)


def test_truncated_zip_names_the_path(archive):
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(DataFormatError) as caught:
        read_lfwcrop(archive, min_faces_per_person=1)
    assert str(caught.value).startswith(str(archive))


def test_archive_without_faces_names_the_path(tmp_path):
    path = tmp_path / "lfwcrop_grey.zip"
    write_lfwcrop_zip(path, {})
    with pytest.raises(DataFormatError, match="no faces") as caught:
        read_lfwcrop(path, min_faces_per_person=1)
    assert str(path) in str(caught.value)


def test_too_few_people_names_the_count_and_suggests_lowering_the_minimum(archive):
    with pytest.raises(DataFormatError) as caught:
        read_lfwcrop(archive, min_faces_per_person=5)
    message = str(caught.value)
    assert message.startswith(f"{archive}: only 1 of 3 people have at least 5 faces")
    assert "lower min_faces_per_person" in message
    with pytest.raises(DataFormatError, match="only 0 of 3 people"):
        read_lfwcrop(archive, min_faces_per_person=6)


def test_min_faces_per_person_must_be_positive(archive):
    with pytest.raises(ValueError, match="at least 1"):
        read_lfwcrop(archive, min_faces_per_person=0)
