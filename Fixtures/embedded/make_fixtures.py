#!/usr/bin/env python3
"""Generates the embedded-image manifests in Fixtures/embedded/ (committed; re-run to regenerate).

The images are demo images (Fixtures/demo/images, synthetic), stored inside the manifests:

- hf_image.parquet: written by the Hugging Face `datasets` library (Dataset.to_parquet) from an
  `Image()` feature, so its schema is exactly what the Hub holds: `image: struct<bytes: binary,
  path: string>` (optional struct, optional fields) plus the `huggingface` schema metadata. One
  row has no image (a null struct).
- binary_jpg.parquet: pyarrow, a plain BYTE_ARRAY column `jpg` (webdataset/img2dataset naming)
  beside `key` and `url`; one null.
- embedded.jsonl: base64 in JSON lines, as a `data:image/...;base64,` URL and as bare base64,
  plus one row whose base64 is damaged (a per-row error).

Which demo images: 0002 (its md5 is on the demo list), 0005 (sha256 on the list), 0006 (sha1 on
the list), 0009 (not on the list).

    python3 Fixtures/embedded/make_fixtures.py    # needs datasets (5.2.0) and pyarrow (26.0.1)
"""
import base64, json, os

import datasets
from datasets.table import embed_table_storage
import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "..", "demo", "images")


def image_bytes(name):
    with open(os.path.join(IMAGES, name), "rb") as f:
        return f.read()


def main():
    names = ["0002.jpg", "0006.jpg", "0009.jpg"]
    # datasets: an Image feature from files, their bytes embedded as push_to_hub does
    # (embed_table_storage keeps each path's base name), then written with to_parquet.
    ds = datasets.Dataset.from_dict(
        {"image": [os.path.join(IMAGES, n) for n in names] + [None],
         "text": ["pattern 2", "pattern 6", "pattern 9", "no image"]},
        features=datasets.Features({"image": datasets.Image(), "text": datasets.Value("string")}))
    ds = ds.with_format("arrow").map(embed_table_storage, batched=True).with_format(None)
    ds.to_parquet(os.path.join(HERE, "hf_image.parquet"))

    table = pa.table({
        "key": ["b-0002", "b-0005", "b-0009", "b-none"],
        "url": [f"http://example.invalid/embedded/{k}" for k in ["0002.jpg", "0005.png", "0009.jpg", "none"]],
        "jpg": pa.array([image_bytes("0002.jpg"), image_bytes("0005.png"), image_bytes("0009.jpg"), None], pa.binary()),
    })
    pq.write_table(table, os.path.join(HERE, "binary_jpg.parquet"), compression="snappy")

    def b64(name):
        return base64.b64encode(image_bytes(name)).decode("ascii")
    rows = [
        {"key": "j-0002", "image": "data:image/jpeg;base64," + b64("0002.jpg")},
        {"key": "j-0006", "image": b64("0006.jpg")},
        {"key": "j-0009", "image": "data:image/jpeg;base64," + b64("0009.jpg")},
        {"key": "j-damaged", "image": "data:image/jpeg;base64," + b64("0009.jpg")[:-3] + "*=="},
    ]
    with open(os.path.join(HERE, "embedded.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
