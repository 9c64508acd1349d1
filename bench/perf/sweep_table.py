#!/usr/bin/env python3
"""The table of bench_sweep.sh: one row per model, then the summary against
issue 13's targets.

    sweep_table.py header
    sweep_table.py row NAME OUTDIR EXPECTED.pb   -> one JSON line (the row's facts)
    sweep_table.py print   < one JSON line         -> the row as text
    sweep_table.py summary < the JSON lines        -> the summary lines

`row` reads what bench_sweep.sh left in OUTDIR for NAME: edgebench's result
file (NAME.json, or its stderr NAME.err when it wrote none), ONNX Runtime's
timings (NAME-ort{1,2}.json) and outputs (NAME-ort.raw), edgebench's saved
outputs (eb-NAME/) and PyTorch's output EXPECTED.pb.  Outputs agree when
their relative L2 distance is at most AGREE_REL_L2, the relative tolerance of
the ONNX conformance runner (tests/conformance/test_onnx_node.c) taken over
the whole output.
"""
import glob
import json
import math
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper as nh

AGREE_REL_L2 = 1e-4
# issue 13's targets
GEOMEAN_MAX, WORST_MAX, FALLBACKS_MAX, T2T1_MAX, T2T1_ABOVE_MS = 1.0, 1.5, 0, 0.6, 5.0

COLS = [("model", "<26"), ("eb t1", ">8"), ("ORT t1", ">8"), ("eb/ORT", ">7"), ("eb t2", ">8"),
        ("ORT t2", ">8"), ("eb/ORT", ">7"), ("t2/t1", ">6"), ("fb", ">4"), ("eb~ORT", ">8"),
        ("eb~PT", ">8"), ("fusions", "<16"), ("status", "")]
FUSIONS_WIDTH = 16  # longer lists go on a line of their own below the row


def line(values):
    return " ".join(f"{v:{fmt}}" for v, (_, fmt) in zip(values, COLS)).rstrip()


def last_line(path):
    try:
        lines = [x.strip() for x in open(path) if x.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return nh.to_array(t)


def rel_l2(a, b):
    """||a - b|| / ||b||, in double; None when the sizes differ or b is all
    zeros (nothing to be relative to)."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.size != b.size:
        return None
    nb = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / nb) if nb > 0 else None


def fallback_count(text):
    """'Pow x8, ReduceMean x16' -> 24."""
    n = 0
    for part in (text or "").split(","):
        tail = part.strip().rpartition(" x")[2]
        n += int(tail) if tail.isdigit() else 0
    return n


def fusions_text(r):
    if "fusions" not in r:
        return "-"
    f = r["fusions"]
    if isinstance(f, dict):
        return ", ".join(f"{k}x{v}" for k, v in f.items()) or "none"
    if isinstance(f, list):
        return ", ".join(str(x) for x in f) or "none"
    return str(f) if f else "none"


def row(name, out, expected_pb):
    rec = {"model": name, "eb": {}, "ort": {}, "fallbacks": None, "fusions": "-", "problems": []}
    try:
        results = json.load(open(os.path.join(out, name + ".json")))["results"]
    except (OSError, ValueError, KeyError) as e:
        results = []
        rec["problems"].append(f"edgebench wrote no result ({last_line(os.path.join(out, name + '.err')) or e})")
    errors = {}
    for r in results:
        t = r["variant"]["threads"]
        if r["status"] == "ok":
            rec["eb"][str(t)] = r["latency"]["median"]
        else:
            errors.setdefault(f"{r['status']}: {r['error']}", []).append(f"t{t}")
        if r.get("reference_fallbacks") is not None and rec["fallbacks"] is None:
            rec["fallbacks"] = r["reference_fallbacks"]
        if rec["fusions"] == "-":
            rec["fusions"] = fusions_text(r)
    for what, ts in errors.items():
        rec["problems"].append(f"eb {what}" if len(ts) == len(results) else f"eb {'/'.join(ts)} {what}")
    for t in ("1", "2"):
        try:
            rec["ort"][t] = json.load(open(os.path.join(out, f"{name}-ort{t}.json")))["median_ms"]
        except (OSError, ValueError, KeyError):
            rec["problems"].append(f"ORT t{t}: {last_line(os.path.join(out, f'{name}-ort{t}.err')) or 'no timing'}")
    # agreement on PyTorch's input: edgebench (every thread count) and ORT
    try:
        expected = load_pb(expected_pb)
    except (OSError, ValueError) as e:
        expected = None
        rec["problems"].append(f"PyTorch's output unreadable: {e}")
    if expected is not None and not np.any(expected):
        expected = None
        rec["problems"].append("PyTorch's output is all zeros: no agreement check (export it again)")
    ort_out = None
    if os.path.exists(os.path.join(out, name + "-ort.raw")):
        ort_out = np.fromfile(os.path.join(out, name + "-ort.raw"), dtype=np.float32)
    else:
        rec["problems"].append(f"ORT agreement: {last_line(os.path.join(out, name + '-agree.err')) or 'no output'}")
    eb_pt, eb_ort = [], []
    for pb in sorted(glob.glob(os.path.join(out, "eb-" + name, "*", "*", "output_0.pb"))):
        y = load_pb(pb)
        if expected is not None:
            eb_pt.append(rel_l2(y, expected))
        if ort_out is not None:
            eb_ort.append(rel_l2(y, ort_out))
    worst = lambda xs: None if not xs or None in xs else max(xs)  # noqa: E731
    rec["eb_pt"], rec["eb_ort"] = worst(eb_pt), worst(eb_ort)
    rec["ort_pt"] = rel_l2(ort_out, expected) if ort_out is not None and expected is not None else None
    if (eb_pt and rec["eb_pt"] is None) or (eb_ort and rec["eb_ort"] is None):
        rec["problems"].append("an output's size differs from PyTorch's or ORT's, or ORT's is all zeros")
    for what, v in (("ORT", rec["eb_ort"]), ("PyTorch", rec["eb_pt"])):
        if v is not None and not v <= AGREE_REL_L2:
            rec["problems"].append(f"eb differs from {what}: rel L2 {v:.2g} > {AGREE_REL_L2:g}")
    return rec


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def ms(v):
    """Milliseconds: 2 decimals, 4 below 1 ms (the keyword spotters)."""
    return "-" if v is None else format(v, ".4f" if v < 1 else ".2f")


def ratio(rec, t):
    e, o = rec["eb"].get(t), rec["ort"].get(t)
    return e / o if e and o else None


def print_row(rec):
    eb, ort = rec["eb"], rec["ort"]
    t2t1 = eb["2"] / eb["1"] if "1" in eb and "2" in eb else None
    fb = rec["fallbacks"]
    status = "; ".join(rec["problems"]) or "ok"
    fusions = rec["fusions"]
    wide = len(fusions) > FUSIONS_WIDTH
    print(line([rec["model"], ms(eb.get("1")), ms(ort.get("1")), fmt(ratio(rec, "1"), ".2f"),
                ms(eb.get("2")), ms(ort.get("2")), fmt(ratio(rec, "2"), ".2f"), fmt(t2t1, ".2f"),
                "-" if fb is None else str(fallback_count(fb)), fmt(rec["eb_ort"], ".1e"), fmt(rec["eb_pt"], ".1e"),
                "(below)" if wide else fusions, status]))
    if fb:
        print(f"{'':26}   fallbacks: {fb}")
    if wide:
        print(f"{'':26}   fusions: {fusions}")
    sys.stdout.flush()


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def met(ok):
    return "met" if ok else "MISSED"


def summary(recs):
    print(f"eb/ORT: edgebench's median over ONNX Runtime's (below 1: edgebench faster); t2/t1: edgebench at 2 "
          f"threads over 1; fb: reference-fallback nodes; eb~ORT, eb~PT: rel L2 of edgebench's output against "
          f"ONNX Runtime's and PyTorch's on the same input (agree: <= {AGREE_REL_L2:g}); fusions: the result's "
          f"`fusions` ('-': this edgebench does not report them)")
    ran = [r for r in recs if "1" in r["eb"] or "2" in r["eb"]]
    failed = [r["model"] for r in recs if r not in ran]
    print(f"models: {len(recs)}, ran on edgebench: {len(ran)}" +
          (f", could not run: {len(failed)} ({', '.join(failed)})" if failed else ""))
    for t in ("1", "2"):
        xs = [(ratio(r, t), r["model"]) for r in ran if ratio(r, t) is not None]
        if not xs:
            print(f"t{t}: no model ran on both engines")
            continue
        g = geomean([x for x, _ in xs])
        w, wm = max(xs)
        print(f"t{t}: geomean eb/ORT {g:.2f} over the {len(xs)} of {len(recs)} models both engines ran (target <= {GEOMEAN_MAX:g}: {met(g <= GEOMEAN_MAX)}); "
              f"worst {wm} {w:.2f} (target none above {WORST_MAX:g}: {met(w <= WORST_MAX)}"
              f"{'' if w <= WORST_MAX else ', above: ' + ', '.join(f'{m} {x:.2f}' for x, m in sorted(xs, reverse=True) if x > WORST_MAX)})")
    with_fb = [r for r in recs if r["fallbacks"]]
    unknown = [r["model"] for r in recs if r["fallbacks"] is None]
    print(f"models with reference fallbacks: {len(with_fb)}"
          f"{' (' + ', '.join(r['model'] + ' ' + str(fallback_count(r['fallbacks'])) for r in with_fb) + ')' if with_fb else ''} "
          f"(target {FALLBACKS_MAX}: {met(len(with_fb) == FALLBACKS_MAX and not unknown)}"
          f"{'; not known for the models that did not run: ' + ', '.join(unknown) if unknown else ''})")
    slow = [r for r in ran if "1" in r["eb"] and "2" in r["eb"] and r["eb"]["1"] > T2T1_ABOVE_MS]
    bad = [(r["eb"]["2"] / r["eb"]["1"], r["model"]) for r in slow if r["eb"]["2"] / r["eb"]["1"] > T2T1_MAX]
    print(f"models above {T2T1_ABOVE_MS:g} ms at 1 thread: {len(slow)}; with t2/t1 > {T2T1_MAX:g}: {len(bad)}"
          f"{' (' + ', '.join(f'{m} {x:.3f}' for x, m in sorted(bad, reverse=True)) + ')' if bad else ''} "
          f"(target 0: {met(not bad)})")
    differ = [r["model"] for r in ran if any(p.startswith("eb differs") for p in r["problems"])]
    checked = [r for r in ran if r["eb_ort"] is not None]
    print(f"outputs: edgebench agrees with ONNX Runtime on {sum(1 for r in checked if r['eb_ort'] <= AGREE_REL_L2)} "
          f"of {len(checked)} models checked" + (f"; differs on: {', '.join(differ)}" if differ else ""))


def main():
    cmd = sys.argv[1]
    if cmd == "header":
        print(line([c for c, _ in COLS]))
    elif cmd == "row":
        print(json.dumps(row(*sys.argv[2:5])))
    elif cmd == "print":
        print_row(json.loads(sys.stdin.readline()))
    elif cmd == "summary":
        summary([json.loads(x) for x in sys.stdin if x.strip()])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
