"""Task 4.5's data: the offline datasets, and the loaders for real files, on small files written here."""

from __future__ import annotations

import gzip
import importlib.util
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from ..conftest import REPO

PROJECT = REPO / "reference" / "project"


def _load_data_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("course_project_data", PROJECT / "data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


data = _load_data_module()
DataError = data.DataError


def write_idx(path: Path, array: np.ndarray, kind: int = 0x08, compress: bool = False) -> Path:
    header = bytes([0, 0, kind, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def write_mnist(folder: Path, n_train: int = 6, n_test: int = 4, size: int = 8, compress: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    suffix = ".gz" if compress else ""
    for (images, labels), n in zip(data.MNIST_FILES.values(), (n_train, n_test)):
        write_idx(folder / (images + suffix), rng.integers(0, 256, (n, size, size)), compress=compress)
        write_idx(folder / (labels + suffix), np.arange(n) % 10, compress=compress)
    return folder


# --- IDX / MNIST ---


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_mnist_idx_reads_images_and_labels(tmp_path: Path, compress: bool) -> None:
    folder = write_mnist(tmp_path / "mnist", compress=compress)
    loaded = data.mnist_idx(folder)
    assert loaded.train_x.shape == (6, 8, 8) and loaded.val_x.shape == (4, 8, 8)
    assert loaded.train_y.tolist() == [0, 1, 2, 3, 4, 5] and loaded.val_y.tolist() == [0, 1, 2, 3]
    assert loaded.train_x.min() >= 0.0 and loaded.train_x.max() <= 1.0
    raw = data.read_idx(folder / ("train-images-idx3-ubyte" + (".gz" if compress else "")))
    np.testing.assert_array_equal(loaded.train_x, raw / 255.0)


def test_idx_values_round_trip(tmp_path: Path) -> None:
    values = np.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(data.read_idx(write_idx(tmp_path / "x.idx", values)), values)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "first two bytes must be 0"),
        (b"\x00\x00\x0d\x01\x00\x00\x00\x01\x05\x00\x00\x00", "data type 0x0d"),
        (b"\x00\x00\x08\x03\x00\x00", "header cut short"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "promises (5,)"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02", "the file has 10"),
        (b"", "not an IDX file"),
    ],
    ids=["magic", "type", "short-header", "truncated", "too-long", "empty"],
)
def test_malformed_idx_is_named(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(content)
    with pytest.raises(DataError, match=str(path)) as error:
        data.read_idx(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_mnist_folder_problems_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such folder"):
        data.mnist_idx(tmp_path / "absent")
    folder = write_mnist(tmp_path / "mnist")
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="no t10k-labels-idx1-ubyte"):
        data.mnist_idx(folder)
    write_idx(folder / "t10k-labels-idx1-ubyte", np.arange(3))
    with pytest.raises(DataError, match="labels for 4 images"):
        data.mnist_idx(folder)
    write_idx(folder / "t10k-labels-idx1-ubyte", np.array([1, 2, 3, 12]))
    with pytest.raises(DataError, match="label 12 is not a digit"):
        data.mnist_idx(folder)
    write_idx(folder / "t10k-images-idx3-ubyte", np.zeros((4, 8)))
    with pytest.raises(DataError, match="expected images"):
        data.mnist_idx(folder)


# --- word vectors and SST-2 ---


def write_vectors(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_word_vectors_read_and_filtered(tmp_path: Path) -> None:
    path = write_vectors(tmp_path / "glove.txt", ["good 1.0 2.0 3.0", "bad -1 -2 -3 ", "film 0.5 0 0", ""])
    vectors = data.load_word_vectors(path)
    assert sorted(vectors) == ["bad", "film", "good"]
    np.testing.assert_array_equal(vectors["bad"], [-1.0, -2.0, -3.0])
    assert sorted(data.load_word_vectors(path, vocabulary={"good", "absent"})) == ["good"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["good 1 2 3", "bad 1 2"], ":2: 2 numbers, earlier lines have 3"),
        (["good 1 x 3"], ":1: could not convert"),
        (["lonely"], ":1: a word without a vector"),
        ([], "no word vectors"),
    ],
    ids=["ragged", "not-a-number", "no-vector", "empty"],
)
def test_malformed_word_vectors_are_named(tmp_path: Path, lines: list[str], message: str) -> None:
    path = write_vectors(tmp_path / "vectors.txt", lines)
    with pytest.raises(DataError, match=str(path)) as error:
        data.load_word_vectors(path)
    assert message in str(error.value)


def write_tsv(path: Path, rows: list[str]) -> Path:
    path.write_text("".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_sst2_rows(tmp_path: Path) -> None:
    path = write_tsv(tmp_path / "train.tsv", ["sentence\tlabel", "a good film \t1", 'it is "bad"\t0', ""])
    assert data.load_sst2(path) == [("a good film ", 1), ('it is "bad"', 0)]


def test_text_files_with_bytes_that_are_not_utf8_still_load(tmp_path: Path) -> None:
    tsv = tmp_path / "latin1.tsv"
    tsv.write_bytes(b"sentence\tlabel\ncaf\xe9 au lait\t1\n")
    assert data.load_sst2(tsv) == [("caf\ufffd au lait", 1)]
    vectors = tmp_path / "latin1.txt"
    vectors.write_bytes(b"caf\xe9 1 2\nlait 3 4\n")
    assert sorted(data.load_word_vectors(vectors)) == ["caf\ufffd", "lait"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["text\tlabel", "good\t1"], ":1: expected the header"),
        (["sentence\tlabel", "good\t1", "bad\tnegative"], ":3: expected 'sentence<TAB>0 or 1'"),
        (["sentence\tlabel", "no label here"], ":2: expected"),
        (["sentence\tlabel"], "no sentences"),
        ([], ":1: expected the header"),
    ],
    ids=["header", "label", "no-tab", "no-rows", "empty"],
)
def test_malformed_sst2_is_named(tmp_path: Path, rows: list[str], message: str) -> None:
    path = write_tsv(tmp_path / "dev.tsv", rows)
    with pytest.raises(DataError, match=str(path)) as error:
        data.load_sst2(path)
    assert message in str(error.value)


def test_missing_text_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="absent.txt: no such file"):
        data.load_word_vectors(tmp_path / "absent.txt")
    with pytest.raises(DataError, match="absent.tsv: no such file"):
        data.load_sst2(tmp_path / "absent.tsv")


def test_sentiment_embeds_sentences_for_conv1d(tmp_path: Path) -> None:
    vectors = write_vectors(tmp_path / "glove.txt", ["good 1 0", "bad 0 1", "film 2 2", "unused 9 9"])
    train = write_tsv(tmp_path / "train.tsv", ["sentence\tlabel", "Good film\t1", "bad bad unknown film\t0"])
    dev = write_tsv(tmp_path / "dev.tsv", ["sentence\tlabel", "good\t1"])
    loaded = data.sentiment(train, dev, vectors, length=3)
    assert loaded.classes == 2 and loaded.train_x.shape == (2, 2, 3) and loaded.val_x.shape == (1, 2, 3)
    np.testing.assert_array_equal(loaded.train_x[0], [[1, 2, 0], [0, 2, 0]])  # lower-cased, zero-padded
    np.testing.assert_array_equal(loaded.train_x[1], [[0, 0, 0], [1, 1, 0]])  # cut to 3 words, unknown is 0
    assert loaded.train_y.tolist() == [1, 0]
    none_known = write_tsv(tmp_path / "x.tsv", ["sentence\tlabel", "zzz\t1"])
    with pytest.raises(DataError, match="none of the sentences' words"):
        data.sentiment(none_known, none_known, vectors)


# --- the offline datasets ---


def test_digits_ship_with_scikit_learn() -> None:
    loaded = data.digits()
    assert loaded.train_x.shape == (1438, 8, 8) and loaded.val_x.shape == (359, 8, 8)
    assert loaded.train_x.min() == 0.0 and loaded.train_x.max() == 1.0
    assert set(loaded.train_y.tolist()) == set(range(10))
    np.testing.assert_array_equal(data.digits().val_y, loaded.val_y)  # the split is seeded
    assert not np.array_equal(data.digits(seed=1).val_y, loaded.val_y)
    head = loaded.head(train=10)
    assert head.train_x.shape == (10, 8, 8) and head.val_x.shape == loaded.val_x.shape


def test_mnist1d_is_generated_offline() -> None:
    loaded = data.mnist1d(samples=200)
    assert loaded.train_x.shape == (160, 1, 40) and loaded.val_x.shape == (40, 1, 40)
    assert set(loaded.train_y.tolist()) <= set(range(10))
    np.testing.assert_array_equal(data.mnist1d(samples=200).train_x, loaded.train_x)


def test_batches_cover_every_example_once() -> None:
    import random

    got = data.batches(10, 4, random.Random(0))
    assert [len(b) for b in got] == [4, 4, 2]
    assert sorted(i for b in got for i in b) == list(range(10))


# --- the scripts, on written files ---


def _script(name: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT / name), *args, "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )


@pytest.mark.slow
def test_mnist_script_trains_on_idx_files_and_writes_curves(tmp_path: Path) -> None:
    folder = write_mnist(tmp_path / "mnist", n_train=24, n_test=8)
    done = _script("run_mnist_multiclass.py", "--dataset", "mnist", "--mnist-dir", str(folder), "--epochs", "2",
                   tmp_path=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "mnist: 24 training and 8 validation examples of shape (8, 8)" in done.stdout
    assert "epoch   2" in done.stdout and "time/epoch" in done.stdout
    assert (tmp_path / "out" / "mnist_curves.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("run_mnist_multiclass.py", ["--dataset", "mnist", "--mnist-dir", "absent"], "absent: no such folder"),
        ("run_sentiment.py", ["--dataset", "sst2"], "--dataset sst2 needs --vectors, --train, --validation"),
        ("run_sentiment.py", ["--dataset", "sst2", "--vectors", "v.txt", "--train", "t", "--validation", "v"],
         "t: no such file"),
    ],
    ids=["mnist-folder", "sst2-options", "sst2-files"],
)  # fmt: skip
def test_scripts_name_missing_data_in_one_line(tmp_path: Path, name: str, args: list[str], message: str) -> None:
    done = _script(name, *args, tmp_path=tmp_path)
    assert done.returncode == 1
    assert message in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
