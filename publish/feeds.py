"""Atom feeds: one entry per release, and one per milestone status as it was last changed.

A milestone whose status changes gets a new `status_updated` date, so a new entry id: feed
readers see each change once.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
STATUS_LABELS = {"not_started": "belum dimulai / not started", "in_progress": "berjalan / in progress",
                 "stuck": "macet / stuck", "finished": "selesai / finished", "incomplete": "tidak tuntas / incomplete"}


def _time(value: str | None) -> str:
    value = str(value or "1970-01-01")
    return value if "T" in value else f"{value}T00:00:00Z"


def _feed(feed_id: str, title: str, base: str, self_url: str, entries: list[dict]) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = max((e["updated"] for e in entries),
                                                         default=_time(None))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Bansos Terbuka"
    for e in sorted(entries, key=lambda e: e["updated"], reverse=True):
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = e["id"]
        ET.SubElement(entry, f"{{{ATOM}}}title").text = e["title"]
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = e["updated"]
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=e["link"])
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = e["summary"]
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def releases_atom(rows: list[dict], base: str, host_tag: str) -> bytes:
    entries = [{
        "id": f"tag:{host_tag},2026:release/{r['release_id']}",
        "title": f"Rilis {r['period']} / Release {r['period']}",
        "updated": _time(r["built_at"]),
        "link": f"{base}/bansos-terbuka/releases/{r['period']}",
        "summary": (f"Periode {r['period']}: {r['rows_read']:,} baris dibaca, {r['rows_quarantined']:,} dikarantina; "
                    f"sumber {r['source_date']}; pembaruan berikutnya {r['next_expected_update']}. / "
                    f"Period {r['period']}: {r['rows_read']:,} rows read, {r['rows_quarantined']:,} quarantined; "
                    f"source {r['source_date']}; next update {r['next_expected_update']}."
                    + (" DATA SINTETIS / SYNTHETIC DATA." if r.get("synthetic") else "")),
    } for r in rows]
    return _feed(f"tag:{host_tag},2026:releases", "Bansos Terbuka: rilis / releases", base,
                 f"{base}/-/feeds/releases.atom", entries)


def milestones_atom(rows: list[dict], base: str, host_tag: str) -> bytes:
    entries = []
    for m in rows:
        label = STATUS_LABELS.get(m.get("status") or "", m.get("status") or "?")
        key = f"{m['commitment_id']}/{m['milestone_no']}"
        entries.append({
            "id": f"tag:{host_tag},2026:milestone/{key}/{m.get('status')}/{m.get('status_updated')}",
            "title": f"{m['commitment_id']} #{m['milestone_no']}: {label}",
            "updated": _time(m.get("status_updated")),
            "link": f"{base}/bansos-terbuka/milestones/{m['commitment_id']},{m['milestone_no']}",
            "summary": f"{m['title_id']} / {m['title_en']}. Status: {label} ({m.get('status_updated')}); "
                       f"jadwal / due {m.get('start_date')} – {m.get('end_date')}.",
        })
    return _feed(f"tag:{host_tag},2026:milestones", "Bansos Terbuka: status tonggak OGP / OGP milestone status",
                 base, f"{base}/-/feeds/milestones.atom", entries)
