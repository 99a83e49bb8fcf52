"""The published validation report: counts per file and rule, never a personal value."""

from __future__ import annotations

import json
from pathlib import Path

from .schemas import input_schema

HIDDEN = "<disembunyikan/hidden>"


def _personal(resource: str) -> set[str]:
    return {f["name"] for f in input_schema(resource)["fields"] if f.get("x-personal")}


def public_results(results: dict) -> list[dict]:
    out = []
    for name, r in results.items():
        d = r.as_dict()
        personal = _personal(name)
        for ex in d["examples"]:
            if ex["column"] in personal and ex["value"] is not None:
                # The value itself may be a birth date or an NIK: say what is wrong, not what it is.
                ex["message_id"] = ex["message_id"].replace(f"'{ex['value']}'", HIDDEN)
                ex["message_en"] = ex["message_en"].replace(f"'{ex['value']}'", HIDDEN)
                ex["value"] = HIDDEN
        out.append(d)
    return out


def write_validation_report(out: Path, results: dict, index: dict) -> None:
    files = public_results(results)
    totals = {k: sum(f[k] for f in files) for k in ("read", "used", "quarantined", "flagged")}
    doc = {"release_id": index["release_id"], "period": index["period"], "totals": totals, "files": files}
    (out / "validation-report.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    lines = [f"# Laporan validasi / Validation report — {index['period']}", "",
             "Setiap baris masukan dihitung: dibaca = dipakai + dikarantina. "
             "Every input row is accounted for: read = used + quarantined.", "",
             "| berkas / file | dibaca / read | dipakai / used | dikarantina / quarantined | ditandai / flagged |",
             "|---|---:|---:|---:|---:|"]
    for f in files:
        lines.append(f"| {f['path']} | {f['read']} | {f['used']} | {f['quarantined']} | {f['flagged']} |")
    lines += [f"| **total** | {totals['read']} | {totals['used']} | {totals['quarantined']} | {totals['flagged']} |", "",
              "## Aturan yang dilanggar / Rules broken", "",
              "| berkas / file | kolom / column | aturan / rule | baris / rows | tindakan / action |", "|---|---|---|---:|---|"]
    for f in files:
        for e in f["errors"]:
            lines.append(f"| {f['path']} | {e['column']} | {e['rule']} | {e['rows']} | {e['action']} |")
    examples = [ex for f in files for ex in f["examples"]]
    if examples:
        lines += ["", "## Contoh baris dikarantina / Examples of quarantined rows", ""]
        lines += [f"- {ex['message_id']}  \n  {ex['message_en']}" for ex in examples]
    (out / "validation-report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
