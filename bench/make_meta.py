#!/usr/bin/env python3
"""Deterministic LAION-metadata workload for `make bench` (no images): rows, lists, planted rows.

  make_meta.py --out DIR [--rows 5000000] [--list-entries 16000000] [--md5-entries 1000000]
               [--planted 1000] [--md5-planted 1000] [--seed 1]

Writes into DIR (the caller moves a finished DIR into place; see bench/meta.sh):

  laion.parquet      laion2B-en's schema and layout: SAMPLE_ID int64, URL, TEXT string,
                     HEIGHT, WIDTH int32 (about 1% null), LICENSE, NSFW string, similarity double;
                     snappy, row groups of 100,000 rows
  laion.csv          the same rows (header, RFC 4180 quoting where needed, null = empty field)
  laion.jsonl        the same rows, one JSON object a line (null = JSON null)
  laion_md5.parquet  the same rows plus an `md5` column (32 lower-case hex digits: the recorded
                     digest of each row's image, random per row)
  url_md5.txt        --list-entries bare hex lines (a hashscreen list file with `--type url_md5`;
                     DuckDB reads it as a one-column CSV): random digests with the MD5 of the
                     URLs of --planted rows at seeded positions
  md5.txt            --md5-entries bare hex lines: random digests with the `md5` of
                     --md5-planted other rows
  planted.csv        SAMPLE_ID,row,kind (url_md5 | md5): exactly the rows the lists match, sorted
  meta.json          parameters, counts, checks, file sizes, generation time, library versions

The URLs are built so that hashscreen's URL normalisation (docs/url-hashing.md: trim, lower-case
scheme and host, drop a default port and the fragment) is the identity on every one of them:
lower-case scheme and host, no port, no `#`, no surrounding white space. So md5(URL) of the raw
string equals hashscreen's url_md5, whichever convention a tool applies of those that keep the
scheme. Paths keep upper case, percent-escapes and queries, as in LAION. Every URL carries a
token unique to its row, and the generator checks that the 5M URL digests (and the recorded md5
values) are distinct, so no unplanted row can match.

Determinism: each 100k-row chunk draws from numpy's default_rng([seed, chunk]), the planted rows
and the lists from their own streams, so the same arguments and numpy version give the same
bytes, and the rows do not depend on --list-entries (planted rows depend on --rows).
Lengths: URL about 100 characters (median ~90, a tail of long queries to ~600), TEXT median about
50 characters (lognormal word count, tail to ~1,000), like laion2B-en's.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

GENERATOR_VERSION = 1          # bump when the output changes (bench/meta.sh keys its cache on it)
ROW_GROUP = 100_000            # laion2B-en's row group size
SAMPLE_ID_BASE = 3_000_000_000  # LAION's SAMPLE_IDs are large integers
SALT_PLANT, SALT_LIST, SALT_MD5LIST = 1 << 40, 2 << 40, 3 << 40

WORDS = (
    "the a of and with for in on to from by at new red blue black white green pink grey gold silver "
    "vintage modern classic rustic minimalist luxury cheap handmade custom personalized cute funny "
    "beautiful elegant simple large small mini wooden leather cotton linen wool silk metal glass "
    "ceramic stainless steel plastic paper canvas women men kids baby girls boys dog cat flower rose "
    "tree forest mountain beach ocean sea lake river city street house home kitchen bedroom living "
    "room garden wedding party birthday christmas summer winter spring autumn holiday travel sunset "
    "night morning coffee tea cake food recipe chicken salad pasta pizza bread chocolate fruit apple "
    "dress shirt t-shirt hoodie jacket coat shoes boots sneakers bag handbag backpack wallet watch "
    "ring necklace earrings bracelet jewelry hat cap scarf gloves socks jeans pants skirt sweater "
    "phone case cover laptop tablet camera lens tv speaker headphones chair table sofa bed lamp "
    "mirror rug curtain pillow blanket towel poster print wall art painting drawing illustration "
    "vector icon logo pattern background texture design template card invitation sticker decal "
    "photo picture image stock royalty free isolated closeup portrait view aerial panorama "
    "abstract floral geometric watercolor digital hand drawn sketch cartoon character 3d render "
    "set of pack collection series edition style size color inch cm x 2 3 4 5 10 12 20 50 100 "
    "2015 2016 2017 2018 2019 2020 2021 best top how ideas diy easy make your my our this that is are "
    "car truck bike motorcycle bus train plane boat ship road bridge building tower church castle "
    "paris london new york tokyo italy france germany spain japan china india usa uk canada australia "
    "café naïve résumé über – — ’ “ ” …"
).split()
SLUG_WORDS = [w for w in WORDS if w.isascii() and w.replace("-", "").isalnum()]
DOMAINS = (
    "shopify pinterest etsy amazon ebay walmart target wayfair zillow flickr blogspot wordpress "
    "tumblr alibaba aliexpress rakuten zalando asos hm ikea homedepot lowes bestbuy newegg "
    "dreamstime shutterstock istockphoto gettyimages alamy depositphotos 123rf vecteezy freepik "
    "pixabay unsplash pexels imgur redd deviantart artstation behance dribbble medium cnn bbc "
    "nytimes theguardian dailymail foxnews huffpost buzzfeed vogue elle allrecipes foodnetwork"
).split()
TLDS = ["com", "com", "com", "com", "net", "org", "co.uk", "de", "fr", "ru", "jp", "com.au", "it", "nl"]
LICENSES = ["?", "https://creativecommons.org/licenses/by/4.0/", "https://creativecommons.org/licenses/by-sa/3.0/",
            "https://creativecommons.org/licenses/by-nc-sa/4.0/", "https://creativecommons.org/publicdomain/zero/1.0/"]
NSFW = ["UNLIKELY", "UNSURE", "NSFW"]
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
HEX_LUT = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), dtype=np.uint8).reshape(256, 2)


def hex_lines(digests):
    """(n, 16) uint8 -> n lines of 32 lower-case hex digits + '\\n', as bytes."""
    n = len(digests)
    out = np.empty((n, 33), dtype=np.uint8)
    out[:, :32] = HEX_LUT[digests].reshape(n, 32)
    out[:, 32] = 10
    return out.tobytes()


def row_token(rows):
    """A 48-bit value unique per row (odd multiplier: a bijection mod 2^48)."""
    return (rows.astype(np.uint64) * np.uint64(0x9E3779B97F4B)) & np.uint64((1 << 48) - 1)


def b62(v, n):
    s = []
    for _ in range(n):
        s.append(B62[v % 62])
        v //= 62
    return "".join(s)


def make_chunk(seed, chunk, start, count):
    """Rows start..start+count-1 as Python lists (one per column) plus the md5 column's bytes."""
    rng = np.random.default_rng([seed, chunk])
    rows = np.arange(start, start + count)
    tok = row_token(rows).tolist()
    sample_id = (SAMPLE_ID_BASE + rows * 3 + rng.integers(0, 3, count)).tolist()
    tmpl = rng.choice(10, count, p=[.16, .12, .12, .14, .10, .08, .08, .08, .06, .06]).tolist()
    ints = rng.integers(0, 1 << 62, (count, 4)).tolist()
    dom = rng.integers(0, len(DOMAINS), count).tolist()
    tld = rng.integers(0, len(TLDS), count).tolist()
    # slugs: 2-7 words; captions: lognormal word count (median ~8 words, ~50 characters)
    slug_n = rng.integers(2, 8, count).tolist()
    cap_n = np.clip(np.round(rng.lognormal(2.1, 0.6, count)), 1, 180).astype(int).tolist()
    slug_w = rng.integers(0, len(SLUG_WORDS), int(sum(slug_n))).tolist()
    cap_w = rng.integers(0, len(WORDS), int(sum(cap_n))).tolist()
    cap_cap = rng.random(count) < 0.6          # Title-case the first word
    long_q = (rng.random(count) < 0.05).tolist()  # 5% long tracking queries
    long_len = rng.integers(40, 500, count).tolist()
    dims = rng.choice([236, 250, 300, 400, 450, 474, 500, 564, 600, 640, 700, 736, 800, 1000, 1024, 1200, 1500, 2000], (count, 2))
    hw_null = rng.random(count) < 0.01
    height = pa.array(dims[:, 0].astype(np.int32), mask=hw_null)
    width = pa.array(dims[:, 1].astype(np.int32), mask=hw_null)
    lic = rng.choice(len(LICENSES), count, p=[.985, .005, .004, .004, .002])
    nsfw = rng.choice(3, count, p=[.9, .06, .04])
    sim = np.round(rng.uniform(0.28, 0.45, count) + rng.exponential(0.02, count), 6)
    md5 = rng.integers(0, 256, (count, 16), dtype=np.uint8)

    urls, texts = [], []
    si = ci = 0
    for i in range(count):
        t, a, b, c, d = tok[i], *ints[i]
        slug = "-".join(SLUG_WORDS[w] for w in slug_w[si:si + slug_n[i]]); si += slug_n[i]
        host = DOMAINS[dom[i]]
        k = tmpl[i]
        if k == 0:
            h = f"{t:012x}{a & 0xFFFFFFFFFFFFFFFF:016x}{b & 0xF:01x}{c & 0xFFF:03x}"
            u = f"https://i.pinimg.com/{('236x', '474x', '564x', '736x', 'originals')[a % 5]}/{h[:2]}/{h[2:4]}/{h[4:6]}/{h}.jpg"
        elif k == 1:
            u = (f"https://cdn.shopify.com/s/files/1/{a % 10000:04d}/{b % 10000:04d}/products/{slug}_{t:x}"
                 f"_{(500, 1024, 2048)[c % 3]}x.jpg?v={1500000000 + d % 200000000}")
        elif k == 2:
            u = f"https://images-na.ssl-images-amazon.com/images/I/{b62(t, 9)}{b62(a, 2)}L._AC_SX{(300, 425, 466, 679)[b % 4]}_.jpg"
        elif k == 3:
            u = (f"http://www.{host}.{TLDS[tld[i]]}/wp-content/uploads/{2012 + a % 10}/{1 + b % 12:02d}/"
                 f"{slug}-{t % 100000}-{(300, 768, 1024)[c % 3]}x{(200, 512, 683)[d % 3]}.jpg")
        elif k == 4:
            u = (f"https://static.{host}.{TLDS[tld[i]]}/media/catalog/product/cache/{1 + a % 9}/image/"
                 f"{(265, 600, 1200)[b % 3]}x/{c & 0xFFFFFFFF:08x}{d & 0xFFFFFF:06x}{t:012x}/{slug[0]}/{slug[-1]}/{slug}-{t:x}.jpg")
        elif k == 5:
            u = f"https://img.{host}.com/images/{a % 1000}/{slug}_{t}.png"
        elif k == 6:
            u = f"https://ae01.alicdn.com/kf/H{t:012x}{a & 0xFFFFFFFFFFFFFFFF:016x}{b & 0xF:x}{B62[c % 62]}.jpg"
        elif k == 7:
            u = (f"https://images.{host}.{TLDS[tld[i]]}/photos/{a % 100000}/{slug}_{t}.jpeg"
                 f"?w={(400, 800, 1200)[b % 3]}&h={(300, 600, 900)[c % 3]}&fit=crop&auto=format")
        elif k == 8:
            u = (f"http://{slug.split('-')[0]}{a % 1000}.blogspot.com/-{b62(t, 11)}/{b62(a, 11)}/AAAAAAAA{b62(b, 3)}/"
                 f"{b62(c, 11)}/s1600/{slug}.jpg")
        else:
            u = f"https://www.{host}.{TLDS[tld[i]]}/upload/{a % 100}/{slug.replace('-', '%20')}%E2%80%93{t:x}.JPG"
        if long_q[i]:
            q = hashlib.md5(u.encode()).hexdigest() * 16
            u += ("&" if "?" in u else "?") + "utm_source=feed&utm_medium=rss&ref=" + q[:long_len[i]]
        urls.append(u)
        words = [WORDS[w] for w in cap_w[ci:ci + cap_n[i]]]; ci += cap_n[i]
        if cap_cap[i]:
            words[0] = words[0].capitalize()
        if c % 7 == 0 and len(words) > 3:
            words[len(words) // 2] += ","
        if d % 11 == 0:                        # a quoted title: CSV quoting, JSON escapes
            words[0] = '"' + words[0]
            words[-1] += '"'
        texts.append(" ".join(words))
    table = pa.table({
        "SAMPLE_ID": pa.array(sample_id, pa.int64()),
        "URL": pa.array(urls, pa.string()),
        "TEXT": pa.array(texts, pa.string()),
        "HEIGHT": height, "WIDTH": width,
        "LICENSE": pa.array([LICENSES[x] for x in lic.tolist()], pa.string()),
        "NSFW": pa.array([NSFW[x] for x in nsfw.tolist()], pa.string()),
        "similarity": pa.array(sim, pa.float64()),
    })
    return table, urls, md5


def jsonl_lines(table):
    cols = [table.column(n).to_pylist() for n in table.column_names]
    names = [json.dumps(n) for n in table.column_names]
    out = []
    for vals in zip(*cols):
        out.append("{" + ", ".join(f"{n}: {json.dumps(v, ensure_ascii=False)}" for n, v in zip(names, vals)) + "}\n")
    return "".join(out)


def write_list(path, entries, planted_digests, rng):
    """entries lines: random digests with the planted ones at seeded positions (shuffled)."""
    planted = np.frombuffer(b"".join(planted_digests), dtype=np.uint8).reshape(-1, 16).copy()
    rng.shuffle(planted)
    positions = np.sort(rng.choice(entries, len(planted), replace=False))
    with open(path, "wb") as f:
        step = 1 << 20
        for s in range(0, entries, step):
            n = min(step, entries - s)
            block = rng.integers(0, 256, (n, 16), dtype=np.uint8)
            lo, hi = np.searchsorted(positions, [s, s + n])
            block[positions[lo:hi] - s] = planted[lo:hi]
            f.write(hex_lines(block))


def distinct(digests):
    a = np.ascontiguousarray(digests).view(np.dtype((np.void, 16))).ravel()
    return len(np.unique(a)) == len(a)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--list-entries", type=int, default=16_000_000)
    ap.add_argument("--md5-entries", type=int, default=1_000_000)
    ap.add_argument("--planted", type=int, default=1000)
    ap.add_argument("--md5-planted", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.planted + a.md5_planted > a.rows or a.planted > a.list_entries or a.md5_planted > a.md5_entries:
        sys.exit("make_meta.py: more planted rows than rows or list entries")
    t0 = time.monotonic()
    os.makedirs(a.out, exist_ok=True)
    prng = np.random.default_rng([a.seed, SALT_PLANT])
    chosen = prng.choice(a.rows, a.planted + a.md5_planted, replace=False)
    url_rows, md5_rows = set(chosen[:a.planted].tolist()), set(chosen[a.planted:].tolist())
    url_planted, md5_planted, planted = {}, {}, []
    url_digests = np.empty((a.rows, 16), dtype=np.uint8)
    md5_all = np.empty((a.rows, 16), dtype=np.uint8)
    P = lambda name: os.path.join(a.out, name)
    schema = None
    csv_opts = pacsv.WriteOptions(quoting_style="needed")
    with open(P("laion.csv"), "wb") as fcsv, open(P("laion.jsonl"), "w", encoding="utf-8") as fjson:
        pw = pw5 = None
        for chunk, start in enumerate(range(0, a.rows, ROW_GROUP)):
            count = min(ROW_GROUP, a.rows - start)
            table, urls, md5 = make_chunk(a.seed, chunk, start, count)
            ids = table.column("SAMPLE_ID").to_pylist()
            for i, u in enumerate(urls):
                url_digests[start + i] = np.frombuffer(hashlib.md5(u.encode()).digest(), dtype=np.uint8)
            md5_all[start:start + count] = md5
            for r in range(start, start + count):
                if r in url_rows:
                    url_planted[r] = url_digests[r].tobytes(); planted.append((ids[r - start], r, "url_md5"))
                if r in md5_rows:
                    md5_planted[r] = md5[r - start].tobytes(); planted.append((ids[r - start], r, "md5"))
            if pw is None:
                schema = table.schema
                pw = pq.ParquetWriter(P("laion.parquet"), schema, compression="snappy")
                pw5 = pq.ParquetWriter(P("laion_md5.parquet"), schema.append(pa.field("md5", pa.string())), compression="snappy")
            pw.write_table(table, row_group_size=ROW_GROUP)
            md5_hex = hex_lines(md5).decode().split("\n")[:-1]
            pw5.write_table(table.append_column("md5", pa.array(md5_hex, pa.string())), row_group_size=ROW_GROUP)
            buf = pa.BufferOutputStream()
            pacsv.write_csv(table, buf, csv_opts if chunk == 0 else pacsv.WriteOptions(quoting_style="needed", include_header=False))
            fcsv.write(buf.getvalue().to_pybytes())
            fjson.write(jsonl_lines(table))
            print(f"\rrows {start + count:,}/{a.rows:,} ({time.monotonic() - t0:.0f} s)", end="", file=sys.stderr, flush=True)
        pw.close(); pw5.close()
    print(file=sys.stderr)
    checks = {"url_digests_distinct": distinct(url_digests), "md5_values_distinct": distinct(md5_all)}
    if not all(checks.values()):
        sys.exit(f"make_meta.py: digests not distinct: {checks}")
    del url_digests, md5_all
    write_list(P("url_md5.txt"), a.list_entries, [url_planted[r] for r in sorted(url_planted)],
               np.random.default_rng([a.seed, SALT_LIST]))
    write_list(P("md5.txt"), a.md5_entries, [md5_planted[r] for r in sorted(md5_planted)],
               np.random.default_rng([a.seed, SALT_MD5LIST]))
    with open(P("planted.csv"), "w") as f:
        f.write("SAMPLE_ID,row,kind\n")
        f.writelines(f"{s},{r},{k}\n" for s, r, k in sorted(planted))
    import importlib.metadata as md
    meta = {
        "generator_version": GENERATOR_VERSION, "rows": a.rows, "list_entries": a.list_entries,
        "md5_entries": a.md5_entries, "planted": a.planted, "md5_planted": a.md5_planted, "seed": a.seed,
        "row_group": ROW_GROUP, "checks": checks, "seconds": round(time.monotonic() - t0, 1),
        "bytes": {n: os.path.getsize(P(n)) for n in ("laion.parquet", "laion.csv", "laion.jsonl",
                                                      "laion_md5.parquet", "url_md5.txt", "md5.txt")},
        "versions": {p: md.version(p) for p in ("numpy", "pyarrow")},
        "url_convention": "hashscreen normalisation is the identity on every URL (lower-case scheme and host, "
                          "no port, no fragment, no surrounding white space): md5 of the raw URL = hashscreen url_md5",
    }
    with open(P("meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
