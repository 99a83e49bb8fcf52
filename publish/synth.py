"""Synthetic raw input for one regency: a data package shaped like what a Dinas Sosial receives.

Nothing here describes real people. Names come from Faker's id_ID word lists, NIK and KK numbers
from our own generator (publish.nik). The defects the field reports are planted at configurable
rates, and the truth (which record is which person, which defect was planted) is written beside
the data so that validation and linkage can be measured.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import random
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from faker.providers.person.id_ID import Provider as _Names

from . import nik as nikmod
from .regions import load_regions
from .schemas import INPUT_DIR, schema_name_for

REGENCY_POPULATION = {"33.29": 2_066_426, "52.07": 156_059}
# Gotong Royong agents are West Sumbawa's own programme.
GOTONG_ROYONG_REGENCIES = {"52.07"}
SYNTHETIC_NOTICE = "SYNTHETIC DATA - not real people / DATA SINTETIS - bukan orang sungguhan"


@dataclass
class Defects:
    """Rates at which field defects are planted (shares of rows of a scheme list or register)."""

    nik_typo: float = 0.02
    nik_excel: float = 0.01
    nik_missing: float = 0.01
    name_variant: float = 0.05
    birth_typo: float = 0.01
    duplicate_listing: float = 0.01
    inclusion_error: float = 0.03
    forbidden_combination: float = 0.03
    no_nik_people: float = 0.004
    excluded_poor: float = 0.10
    unusable_row: float = 0.002
    coverage: dict = field(default_factory=lambda: {
        "PKH": 0.6, "BPNT": 0.75, "PBI_JK": 0.85, "BLT_DD": 0.5, "JAMSOS_KAB": 0.6,
        "RTLH": 0.01, "SERAGAM": 1.0, "PROKUS": 0.02})


def scaled_defects(factor: float) -> Defects:
    """The default defect rates multiplied by `factor` (coverage and exclusion unchanged)."""
    d = Defects()
    for name in ("nik_typo", "nik_excel", "nik_missing", "name_variant", "birth_typo", "duplicate_listing",
                 "inclusion_error", "forbidden_combination", "no_nik_people", "unusable_row"):
        setattr(d, name, getattr(d, name) * factor)
    return d


@dataclass
class Person:
    person_id: str
    name: str
    sex: str
    birth: dt.date
    nik: str  # '' for people the population register does not know
    family: "Family"
    relationship: str
    disability: str
    status: str = "alive"
    in_siak: bool = True


@dataclass
class Family:
    family_id: str
    kk: str
    desa: str
    rt: int
    members: list = field(default_factory=list)
    desil: int = 10
    in_dtks: bool = False
    dtks_record: str = ""


def _period_start(period: str) -> dt.date:
    y, m = period.split("-")
    return dt.date(int(y), int(m), 1)


def _months_since(base: dt.date, d: dt.date) -> int:
    return (d.year - base.year) * 12 + d.month - base.month


def _unit(key: str) -> float:
    """A stable uniform number for a key: the same person keeps the same fate in every period."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") / 2**64


def _pick_name(rng: random.Random, female: bool) -> str:
    first = rng.choice(_Names.first_names_female if female else _Names.first_names_male)
    if rng.random() < 0.6:
        last = rng.choice(_Names.last_names_female if female else _Names.last_names_male)
        return f"{first} {last}"
    return first


_SPELLING = [("y", "i"), ("i", "y"), ("oe", "u"), ("u", "oe"), ("dj", "j"), ("j", "dj"),
             ("tj", "c"), ("kh", "h"), ("Muhammad", "M."), ("Muhammad", "Moh."), ("Siti", "St."),
             ("a", "ah"), ("ah", "a")]


def name_variant(name: str, rng: random.Random) -> str:
    """A small misspelling of the kind village lists carry."""
    for _ in range(4):
        a, b = rng.choice(_SPELLING)
        if a in name:
            return name.replace(a, b, 1)
    letters = [i for i, ch in enumerate(name) if ch.isalpha() and 0 < i < len(name) - 1]
    if not letters:
        return name + "h"
    i = rng.choice(letters)
    op = rng.random()
    if op < 0.4:
        return name[:i] + name[i + 1:]
    if op < 0.7:
        return name[:i] + name[i] + name[i:]
    if name[i + 1].isalpha():
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name[:i] + name[i + 1:]


class Generator:
    def __init__(self, regency: str, scale: float, seed: int, period: str,
                 defects: Defects | None = None, regions_csv: Path | None = None):
        self.regency, self.scale, self.seed, self.period = regency, scale, seed, period
        self.defects = defects or Defects()
        self.regions = [r for r in load_regions(regions_csv)
                        if r["code"] == regency[:2] or r["code"].startswith(regency)]
        if not any(r["code"] == regency for r in self.regions):
            raise ValueError(f"Regency {regency} is not in the region list / kabupaten {regency} tidak ada di daftar wilayah")
        self.villages = [r["code"] for r in self.regions if r["level"] == "desa"]
        self.kecamatan = [r["code"] for r in self.regions if r["level"] == "kecamatan"]
        self.today = _period_start(period)
        self.period_end = (self.today + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        # The population is drawn from the seed alone, so periods of one seed share people.
        self.rng = random.Random(seed)
        self.prng = random.Random(f"{seed}:{period}")
        self.families: list[Family] = []
        self.people: list[Person] = []
        self.truth: list[tuple[str, str, str]] = []
        self.flags: list[tuple[str, str, str]] = []

    # -- population ---------------------------------------------------------------------
    def build_population(self) -> None:
        rng = self.rng
        target = max(200, round(REGENCY_POPULATION.get(self.regency, 100_000) * self.scale))
        weights = [rng.lognormvariate(0, 0.6) for _ in self.villages]
        total_w = sum(weights)
        serials: dict[str, int] = {}
        kk_serials: dict[str, int] = {}
        base = dt.date(2026, 1, 1)
        pid = 0
        for desa, w in zip(self.villages, weights):
            n_people = max(8, round(target * w / total_w))
            n_rt = max(2, n_people // 160)
            kec = desa[:8]
            made = 0
            while made < n_people:
                size = rng.choices([1, 2, 3, 4, 5, 6, 7], [8, 15, 22, 25, 16, 9, 5])[0]
                reg = dt.date(rng.randrange(2000, 2026), rng.randrange(1, 13), rng.randrange(1, 29))
                kkp = nikmod.region_digits(kec) + reg.strftime("%d%m%y")
                kk_serials[kkp] = kk_serials.get(kkp, 0) + 1
                fam = Family(f"F{len(self.families) + 1:07d}", nikmod.make_kk(kec, reg, kk_serials[kkp]),
                             desa, rng.randrange(1, n_rt + 1))
                self.families.append(fam)
                roles = ["head"] + (["spouse"] if size > 1 and rng.random() < 0.85 else [])
                roles += ["child"] * (size - len(roles))
                if size >= 4 and rng.random() < 0.25:
                    roles[-1] = "other"
                head_age = rng.randrange(22, 80)
                head_female = rng.random() < 0.15
                for role in roles:
                    if role == "head":
                        age, female = head_age, head_female
                    elif role == "spouse":
                        age, female = max(18, head_age + rng.randrange(-8, 5)), not head_female
                    elif role == "child":
                        age, female = max(0, min(head_age - 18, rng.randrange(0, 30))), rng.random() < 0.5
                    else:
                        age, female = rng.randrange(60, 95), rng.random() < 0.6
                    # Ages are counted from a fixed date so that every period describes the same people.
                    birth = base - dt.timedelta(days=age * 365 + rng.randrange(0, 365))
                    # Most NIKs were issued in the home kecamatan; some elsewhere, a few in other regencies.
                    u = rng.random()
                    issued = kec if u < 0.9 else (rng.choice(self.kecamatan) if u < 0.97 else "33.74.01")
                    key = nikmod.region_digits(issued) + birth.strftime("%d%m%y") + ("F" if female else "M")
                    serials[key] = serials.get(key, 0) + 1
                    pid += 1
                    p = Person(f"Q{pid:08d}", _pick_name(rng, female).upper(), "P" if female else "L",
                               birth, nikmod.make_nik(issued, birth, female, serials[key]), fam, role,
                               rng.choices(["none", "physical", "visual", "hearing_speech", "mental", "other"],
                                           [96 if age < 70 else 80, 1.5, 0.8, 0.8, 0.6, 0.3])[0])
                    # Fates drawn per person and period: dead or moved grow month by month.
                    months = _months_since(base, self.today) + 1
                    fate = _unit(f"{self.seed}:{p.person_id}:fate")
                    if fate < 0.012 + 0.0008 * months * (3 if age > 70 else 1):
                        p.status = "dead"
                    elif fate > 1 - (0.012 + 0.0005 * months):
                        p.status = "moved"
                    if _unit(f"{self.seed}:{p.person_id}:nonik") < self.defects.no_nik_people:
                        p.in_siak, p.nik = False, ""
                    fam.members.append(p)
                    self.people.append(p)
                    made += 1
        self._rank_welfare()

    def _rank_welfare(self) -> None:
        rng = self.rng
        scored = []
        for fam in self.families:
            # Latent welfare: larger rural families and elderly heads are poorer on average.
            score = rng.gauss(0, 1) - 0.15 * len(fam.members) + 0.3 * (fam.desa[9] == "1")
            scored.append((score, fam))
        scored.sort(key=lambda t: t[0])
        n = len(scored)
        for i, (_, fam) in enumerate(scored):
            fam.desil = min(10, 1 + i * 10 // n)
            keep = {1: 0.97, 2: 0.97, 3: 0.96, 4: 0.95, 5: 0.8, 6: 0.5}.get(fam.desil, 0.1)
            fam.in_dtks = rng.random() < keep

    # -- writing ------------------------------------------------------------------------
    def _list_nik(self, resource: str, rid: str, p: Person, rng: random.Random) -> str:
        """A person's NIK as a list carries it, with the planted defects."""
        d = self.defects
        if not p.nik:
            self.flags.append((resource, rid, "no_nik_person"))
            return ""
        u = rng.random()
        if u < d.nik_missing:
            self.flags.append((resource, rid, "nik_missing"))
            return ""
        if u < d.nik_missing + d.nik_excel:
            self.flags.append((resource, rid, "nik_excel"))
            return nikmod.excel_mangle(p.nik, rng)
        if u < d.nik_missing + d.nik_excel + d.nik_typo:
            self.flags.append((resource, rid, "nik_typo"))
            return nikmod.mistype(p.nik, rng)
        if p.status != "alive":
            self.flags.append((resource, rid, f"nik_inactive_{p.status}"))
        return p.nik

    def _list_name(self, resource: str, rid: str, p: Person, rng: random.Random) -> str:
        name = p.name.title()
        if rng.random() < self.defects.name_variant:
            self.flags.append((resource, rid, "name_variant"))
            name = name_variant(name, rng)
        return name

    def _list_birth(self, resource: str, rid: str, p: Person, rng: random.Random) -> str:
        if rng.random() < self.defects.birth_typo:
            self.flags.append((resource, rid, "birth_typo"))
            return (p.birth + dt.timedelta(days=rng.choice([-31, -1, 1, 10]))).isoformat()
        return p.birth.isoformat()

    def _unusable(self, resource: str, rid: str, row: dict, rng: random.Random) -> dict:
        """Plant the rare row that cannot be used at all: it must be quarantined, never lost."""
        if rng.random() >= self.defects.unusable_row:
            return row
        if "desa_code" in row and rng.random() < 0.5:
            row["desa_code"] = rng.choice(["", "99.99.99.9999", row["desa_code"][:8]])
            self.flags.append((resource, rid, "unusable_desa"))
        elif "birth_date" in row:
            row["birth_date"] = rng.choice(["31/02/1970", "bukan tanggal", "1970-13-01"])
            self.flags.append((resource, rid, "unusable_date"))
        return row

    def write(self, out: Path) -> dict:
        out.mkdir(parents=True, exist_ok=True)
        (out / "truth").mkdir(exist_ok=True)
        (out / "schemas").mkdir(exist_ok=True)
        resources = []

        def emit(name: str, rows: list[dict]):
            schema_name = schema_name_for(name)
            fields = [f["name"] for f in json.loads((INPUT_DIR / f"{schema_name}.schema.json").read_text())["fields"]]
            path = out / f"{name}.csv"
            with path.open("w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
                w.writeheader()
                w.writerows(rows)
            shutil.copy(INPUT_DIR / f"{schema_name}.schema.json", out / "schemas" / f"{schema_name}.schema.json")
            resources.append({"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource",
                              "format": "csv", "encoding": "utf-8",
                              "schema": f"schemas/{schema_name}.schema.json"})

        emit("regions", [{"record_id": f"W{i + 1:05d}", **r} for i, r in enumerate(self.regions)])
        emit("population", self._population_rows())
        fams, members = self._welfare_rows()
        emit("welfare_families", fams)
        emit("welfare_members", members)
        schemes = load_schemes()
        emit("schemes", [{"record_id": f"S{i + 1:02d}", **s} for i, s in enumerate(schemes)])
        lists = self._scheme_lists(schemes)
        self.flags.extend(("welfare_families", f.dtks_record, "excluded_poor") for f in self.families if self._excluded(f))
        for s in schemes:
            emit(f"recipients_{s['scheme_code'].lower()}", lists[s["scheme_code"]])
        complaints, referrals = self._complaints()
        emit("complaints", complaints)
        emit("referrals", referrals)
        emit("social_pillars", self._pillars())
        commitments, milestones = self._commitments()
        emit("commitments", commitments)
        emit("milestones", milestones)

        with (out / "truth" / "record_person.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["resource", "record_id", "person_id"])
            w.writerows(self.truth)
        with (out / "truth" / "flags.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["resource", "record_id", "flag"])
            w.writerows(self.flags)
        with (out / "truth" / "families.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["family_id", "desa_code", "desil", "in_dtks", "members"])
            w.writerows((f.family_id, f.desa, f.desil, f.in_dtks, len(f.members)) for f in self.families)
        package = {
            "name": f"bansos-raw-{self.regency.replace('.', '')}-{self.period}",
            "title": f"Synthetic raw input, regency {self.regency}, period {self.period}",
            "description": SYNTHETIC_NOTICE,
            "synthetic": True,
            "x-period": self.period,
            "x-regency": self.regency,
            "x-source-date": _source_date(self.period),
            "x-generator": {"seed": self.seed, "scale": self.scale, "defects": asdict(self.defects)},
            "resources": resources,
        }
        (out / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")
        return package

    def _population_rows(self) -> list[dict]:
        rows = []
        for i, p in enumerate(p for p in self.people if p.in_siak):
            rid = f"P{i + 1:08d}"
            self.truth.append(("population", rid, p.person_id))
            rows.append({"record_id": rid, "nik": p.nik, "kk": p.family.kk, "name": p.name, "sex": p.sex,
                         "birth_date": p.birth.isoformat(), "desa_code": p.family.desa, "rt": p.family.rt,
                         "status": p.status, "disability": p.disability})
        return rows

    def _welfare_rows(self) -> tuple[list[dict], list[dict]]:
        rng = random.Random(f"{self.seed}:{self.period}:dtks")
        fams, members = [], []
        for fam in self.families:
            if not fam.in_dtks:
                continue
            rid = f"K{len(fams) + 1:07d}"
            fam.dtks_record = rid
            fams.append({"record_id": rid, "family_id": fam.family_id, "kk": fam.kk,
                         "desa_code": fam.desa, "desil": fam.desil})
            for p in fam.members:
                mid = f"M{len(members) + 1:08d}"
                self.truth.append(("welfare_members", mid, p.person_id))
                members.append({"record_id": mid, "family_id": fam.family_id,
                                "nik": self._list_nik("welfare_members", mid, p, rng),
                                "name": self._list_name("welfare_members", mid, p, rng), "sex": p.sex,
                                "birth_date": self._list_birth("welfare_members", mid, p, rng),
                                "relationship": p.relationship, "disability": p.disability})
        return fams, members

    def _age(self, p: Person) -> int:
        return (self.today - p.birth).days // 365

    def _eligible(self, code: str, fam: Family, p: Person | None) -> bool:
        d = fam.desil if fam.in_dtks else 99
        if code == "PKH":
            return d <= 4 and any(self._age(m) < 18 or self._age(m) >= 70 for m in fam.members)
        if code in ("BPNT", "RTLH"):
            return d <= 4
        if code == "BLT_DD":
            return d <= 4
        if code == "PBI_JK":
            return d <= 5
        if code == "JAMSOS_KAB":
            return d <= 6 and (self._age(p) >= 60 or p.disability != "none")
        if code == "SERAGAM":
            return 7 <= self._age(p) <= 15
        if code == "PROKUS":
            return 3 <= d <= 6
        return False

    def _scheme_lists(self, schemes: list[dict]) -> dict[str, list[dict]]:
        rng = self.prng
        d = self.defects
        month = self.today.month
        lists: dict[str, list[dict]] = {}
        on: dict[str, set[str]] = {}  # scheme -> family ids listed, for the BLT Dana Desa rule
        order = sorted(schemes, key=lambda s: s["scheme_code"] == "BLT_DD")
        for s in order:
            code, unit = s["scheme_code"], s["unit"]
            cover = d.coverage.get(code, 0.5)
            units: list[tuple[Family, Person]] = []
            for fam in self.families:
                alive = [m for m in fam.members if m.status != "moved"]
                if not alive:
                    continue
                if unit == "family":
                    rep = next((m for m in alive if m.relationship == "spouse"), alive[0])
                    cands = [(fam, rep)]
                else:
                    cands = [(fam, m) for m in alive]
                # Planted exclusion error: a poor family that no list reaches at all.
                if self._excluded(fam):
                    continue
                for fam_, p in cands:
                    # Coverage is a stable draw per unit: the same families stay on a list month to month.
                    u = _unit(f"{self.seed}:{code}:{p.person_id}")
                    if code == "SERAGAM":
                        take = self._eligible(code, fam_, p) and int(u * 12) + 1 == month
                    elif code in ("RTLH", "PROKUS"):
                        take = self._eligible(code, fam_, p) and rng.random() < cover
                    elif code == "BLT_DD":
                        other = fam_.family_id in on.get("PKH", set()) or fam_.family_id in on.get("BPNT", set())
                        take = self._eligible(code, fam_, p) and u < cover and (
                            not other or _unit(f"{self.seed}:{code}:forbid:{fam_.family_id}") < d.forbidden_combination / 3)
                    else:
                        take = self._eligible(code, fam_, p) and u < cover
                    if not take and s.get("target_desil_max") and fam_.in_dtks and fam_.desil > int(s["target_desil_max"]):
                        # Inclusion error: a better-off household on a targeted list.
                        take = _unit(f"{self.seed}:{code}:incl:{p.person_id}") < d.inclusion_error / 3
                        if take:
                            units.append((fam_, p, "inclusion_error"))
                            continue
                    if take:
                        units.append((fam_, p, None))
            on[code] = {f.family_id for f, _, _ in units}
            rows = []
            resource = f"recipients_{code.lower()}"
            for fam_, p, flag in units:
                for copy in range(2 if rng.random() < d.duplicate_listing else 1):
                    rid = f"{code[:3]}{len(rows) + 1:07d}"
                    if flag:
                        self.flags.append((resource, rid, flag))
                    if copy:
                        self.flags.append((resource, rid, "duplicate_listing"))
                    if code == "BLT_DD" and (fam_.family_id in on.get("PKH", ()) or fam_.family_id in on.get("BPNT", ())):
                        self.flags.append((resource, rid, "forbidden_combination"))
                    self.truth.append((resource, rid, p.person_id))
                    row = {"record_id": rid, "scheme_code": code, "period": self.period,
                           "nik": self._list_nik(resource, rid, p, rng), "kk": fam_.kk,
                           "name": self._list_name(resource, rid, p, rng), "sex": p.sex,
                           "birth_date": self._list_birth(resource, rid, p, rng), "desa_code": fam_.desa,
                           "amount_rp": self._amount(s, fam_)}
                    rows.append(self._unusable(resource, rid, row, rng))
            lists[code] = rows
        return lists

    def _excluded(self, fam: Family) -> bool:
        return (fam.in_dtks and fam.desil <= 4
                and _unit(f"{self.seed}:{fam.family_id}:excluded") < self.defects.excluded_poor)

    def _amount(self, s: dict, fam: Family) -> int:
        if s["scheme_code"] != "PKH":
            return int(s["benefit_rp"])
        if self.today.month not in (1, 4, 7, 10):
            return 0
        yearly = 0
        for m in fam.members:
            a = self._age(m)
            yearly += 3_000_000 if a < 6 else 900_000 if a < 12 else 1_500_000 if a < 15 else 2_000_000 if a < 18 else 2_400_000 if a >= 70 else 0
        return max(yearly, 900_000) // 4

    def _complaints(self) -> tuple[list[dict], list[dict]]:
        rng = random.Random(f"{self.seed}:{self.period}:slrt")
        alive = [p for p in self.people if p.status == "alive" and self._age(p) >= 17]
        n = max(5, round(len(self.people) * 0.0015))
        complaints, referrals = [], []
        days_in_month = self.period_end.day
        for i in range(n):
            p = rng.choice(alive)
            cid = f"ADU-{self.period}-{i + 1:06d}"
            rid = f"C{i + 1:07d}"
            received = self.today + dt.timedelta(days=rng.randrange(days_in_month))
            status = rng.choices(["received", "verified", "referred", "acted", "resolved", "rejected"], [5, 8, 12, 10, 60, 5])[0]
            std = rng.choice([2, 5, 14, 60])
            resolved = ""
            level = ""
            if status == "resolved":
                done = received + dt.timedelta(days=int(rng.expovariate(1 / (std * 1.1))) + 1)
                if done <= self.period_end:
                    resolved = done.isoformat()
                    level = rng.choices(["desa", "kecamatan", "kabupaten"], [70, 20, 10])[0]
                else:  # not yet resolved when the month's data was exported
                    status = "acted"
            self.truth.append(("complaints", rid, p.person_id))
            complaints.append({"record_id": rid, "complaint_id": cid, "received_date": received.isoformat(),
                               "desa_code": p.family.desa,
                               "channel": rng.choices(["puskesos", "slrt_office", "lapor", "whatsapp", "forum", "home_visit"], [40, 20, 5, 20, 5, 10])[0],
                               "category": rng.choice(["not_registered", "wrong_target", "payment_not_received", "nik_problem", "data_update", "service_request", "other"]),
                               "status": status, "resolved_date": resolved, "resolved_level": level,
                               "service_standard_days": std, "complainant_nik": p.nik,
                               # Free text names the complainant, as real complaints do: it must never be published.
                               "description": f"{p.name.title()} melaporkan bantuan belum diterima (synthetic)"})
            if status in ("referred", "acted", "resolved") and rng.random() < 0.6:
                referred = min(self.period_end, received + dt.timedelta(days=rng.randrange(0, 5)))
                outcome = rng.choices(["pending", "completed", "declined"], [30, 60, 10])[0]
                responded = referred + dt.timedelta(days=rng.randrange(1, 30))
                if responded > self.period_end:  # still waiting when the month was exported
                    outcome = "pending"
                referrals.append({"record_id": f"R{len(referrals) + 1:07d}", "referral_id": f"RUJ-{cid[4:]}",
                                  "complaint_id": cid,
                                  "agency": rng.choice(["dinsos", "dukcapil", "dinkes", "disdik", "bpjs", "pemdes", "baznas"]),
                                  "referred_date": referred.isoformat(),
                                  "responded_date": "" if outcome == "pending" else responded.isoformat(),
                                  "outcome": outcome})
        return complaints, referrals

    def _pillars(self) -> list[dict]:
        rng = random.Random(f"{self.seed}:{self.period}:pillars")
        rts: dict[str, int] = {}
        for fam in self.families:
            rts[fam.desa] = max(rts.get(fam.desa, 0), fam.rt)
        rows = []
        first_village = {}
        for v in self.villages:
            first_village.setdefault(v[:8], v)
        for v in self.villages:
            counts = {"psm": rng.randrange(1, 7), "karang_taruna": rng.randrange(5, 25), "tagana": rng.randrange(0, 4)}
            if first_village[v[:8]] == v:
                counts["tksk"] = 1
            if self.regency in GOTONG_ROYONG_REGENCIES:
                counts["gotong_royong"] = max(0, round(rts.get(v, 1) * 3 * rng.uniform(0.5, 1.05)))
            for pillar, members in counts.items():
                rows.append({"record_id": f"G{len(rows) + 1:06d}", "period": self.period, "desa_code": v,
                             "pillar": pillar, "members": members})
        return rows

    def _commitments(self) -> tuple[list[dict], list[dict]]:
        data = Path(__file__).parent / "data"
        with (data / "commitments.csv").open(encoding="utf-8") as fh:
            commitments = list(csv.DictReader(fh))
        with (data / "milestones.csv").open(encoding="utf-8") as fh:
            milestones = list(csv.DictReader(fh))
        rows_c = [{"record_id": f"OGP{i + 1:02d}", **c} for i, c in enumerate(commitments)]
        rows_m = []
        for i, m in enumerate(milestones):
            start, end = dt.date.fromisoformat(m["start_date"]), dt.date.fromisoformat(m["end_date"])
            u = _unit(f"{self.seed}:{m['commitment_id']}:{m['milestone_no']}")
            # Illustrative statuses only: the sources give the vocabulary, not the progress.
            if self.today < start:
                status = "not_started"
            elif self.today <= end:
                status = "stuck" if u < 0.2 else "in_progress"
            else:
                status = "finished" if u < 0.7 else "incomplete"
            updated = min(self.today, end + dt.timedelta(days=int(u * 90)))
            rows_m.append({"record_id": f"MS{i + 1:03d}", **m, "status": status,
                           "status_updated": updated.isoformat(), "evidence_url": ""})
        return rows_c, rows_m


def load_schemes() -> list[dict]:
    with (Path(__file__).parent / "data" / "schemes.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _source_date(period: str) -> str:
    """A synthetic export is taken on the 5th of the month after its period."""
    year, month = map(int, period.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}-05"


def synthesize(regency: str, out: Path, scale: float = 1.0, seed: int = 42, period: str = "2026-10",
               defects: Defects | None = None, regions_csv: Path | None = None) -> dict:
    """Write a synthetic raw input data package for one regency and period to `out`."""
    gen = Generator(regency, scale, seed, period, defects, regions_csv)
    gen.build_population()
    return gen.write(Path(out))
