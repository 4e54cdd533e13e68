"""MNIST and Fashion-MNIST: the official IDX files, their mirrors, published MD5 sums and
sizes in bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rgan.data.idx import IMAGES_MAGIC, LABELS_MAGIC, DataFormatError, read_idx
from rgan.data.sources import RemoteFile, Source

PARTS = ("train", "t10k")

MNIST = Source(
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    files=(
        RemoteFile("train-images-idx3-ubyte.gz", "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422),
        RemoteFile("train-labels-idx1-ubyte.gz", "md5:d53e105ee54ea40749a09fcbcd1e9432", 28881),
        RemoteFile("t10k-images-idx3-ubyte.gz", "md5:9fb629c4189551a2d022fa330f9573f3", 1648877),
        RemoteFile("t10k-labels-idx1-ubyte.gz", "md5:ec29112dd5afa0611ce80d1b7f02629c", 4542),
    ),
)
MNIST_CLASSES = [str(digit) for digit in range(10)]

FASHION = Source(
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    files=(
        RemoteFile("train-images-idx3-ubyte.gz", "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26421880),
        RemoteFile("train-labels-idx1-ubyte.gz", "md5:25c81989df183df01b3e8a0aad5dffbe", 29515),
        RemoteFile("t10k-images-idx3-ubyte.gz", "md5:bef4ecab320f06d8554ea6380940ec79", 4422102),
        RemoteFile("t10k-labels-idx1-ubyte.gz", "md5:bb300cfdad3c16e7a12a480ee83cd310", 5148),
    ),
)
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def read_idx_images(files: dict[str, Path]) -> tuple[np.ndarray, np.ndarray]:
    """Training and test parts together: images (70,000, 28, 28) uint8 and labels."""
    images, labels = [], []
    for part in PARTS:
        image_file = files[f"{part}-images-idx3-ubyte.gz"]
        label_file = files[f"{part}-labels-idx1-ubyte.gz"]
        part_images = read_idx(image_file, IMAGES_MAGIC)
        part_labels = read_idx(label_file, LABELS_MAGIC)
        if len(part_images) != len(part_labels):
            raise DataFormatError(
                f"{image_file} holds {len(part_images)} images but {label_file} "
                f"{len(part_labels)} labels"
            )
        images.append(part_images)
        labels.append(part_labels)
    return np.concatenate(images), np.concatenate(labels).astype(np.int64)
