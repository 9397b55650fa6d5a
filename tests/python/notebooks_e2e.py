#!/usr/bin/python3
"""Test driver for merlab's notebooks (notebooks/NN-*.ipynb), through real Jupyter.

The assertions live in tests/src/test/java/org/merlab/e2e/notebooks/. Prints one JSON object on stdout.

    notebooks_e2e.py run OUT_DIR [--only NN,NN] [--timeout S]
        executes every notebook with environment/render (profile, dataset and results root come from
        MERLAB_PROFILE / MERLAB_DATA / MERLAB_RESULTS in the environment), keeps going after errors,
        writes OUT_DIR/NN-name.html and OUT_DIR/NN-name.ipynb and reports per notebook: seconds,
        error outputs (ename, evalue, cell), stderr stream text, number of figures and tables.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def inspect(path):
    import nbformat
    nb = nbformat.read(path, as_version=4)
    errors, stderr, figures, tables, executed, code = [], [], 0, 0, 0, 0
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        code += 1
        if c.get("execution_count"):
            executed += 1
        for o in c.get("outputs", []):
            if o.output_type == "error":
                errors.append({"cell": i, "ename": o.ename, "evalue": o.evalue[:2000]})
            elif o.output_type == "stream" and o.name == "stderr":
                stderr.append({"cell": i, "text": o.text[:1000]})
            else:
                h = o.get("data", {}).get("text/html", "")
                if "merlab-plot" in h or "Plotly.newPlot" in h or "Plotly.react" in h:
                    figures += 1
                if "merlab-table" in h:
                    tables += 1
    return {"errors": errors, "stderr": stderr, "figures": figures, "tables": tables,
            "code_cells": code, "executed_cells": executed}


def cmd_run(a):
    os.makedirs(a.out, exist_ok=True)
    only = set(a.only.split(",")) if a.only else None
    res = {"ok": True, "notebooks": [], "profile": os.environ.get("MERLAB_PROFILE", "default"),
           "results": os.environ.get("MERLAB_RESULTS")}
    t0 = time.time()
    for nb in sorted(glob.glob(os.path.join(ROOT, "notebooks", "[0-9][0-9]-*.ipynb"))):
        name = os.path.splitext(os.path.basename(nb))[0]
        if only and name[:2] not in only:
            continue
        html = os.path.join(a.out, name + ".html")
        saved = os.path.join(a.out, name + ".ipynb")
        s = time.time()
        p = subprocess.run([sys.executable, os.path.join(ROOT, "environment", "render"), nb, html,
                            "--timeout", str(a.timeout), "--allow-errors", "--save-notebook", saved],
                           capture_output=True, text=True)
        entry = {"name": name, "seconds": round(time.time() - s, 1), "render_exit": p.returncode,
                 "render_stderr": p.stderr[-3000:], "html": html, "notebook": saved}
        if os.path.isfile(saved):
            entry.update(inspect(saved))
        else:
            entry["errors"] = [{"cell": -1, "ename": "render", "evalue": p.stderr[-2000:]}]
        if entry["errors"] or p.returncode != 0:
            res["ok"] = False
        res["notebooks"].append(entry)
    res["seconds"] = round(time.time() - t0, 1)
    print(json.dumps(res, indent=1))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out")
    r.add_argument("--only", default=None)
    r.add_argument("--timeout", type=int, default=1800)
    a = p.parse_args()
    return {"run": cmd_run}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
