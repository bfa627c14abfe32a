#!/usr/bin/env python3
# check_report.py — reads the report page (HTML), its xlsx (openpyxl) and the
# per-ticket CSV that tests/central/test-report.sh fetched, and checks that
# each holds, figure by figure, what the events posted by the test say
# (EXPECTED below, worked out by hand from those events). Prints one FAIL
# line per difference; exit 1 if any.
#
#   check_report.py PAGE.html REPORT.xlsx TICKETS.csv
import csv
import sys
from html.parser import HTMLParser

import openpyxl

P, V, S = "WIJS Paddepoel", "Buurthuis Vinkhuizen", "Wijkplein Selwerd"
ALL = "All locations"
# (site, visits, helped, no-show, expired, cancelled, staffed h, wait median, wait p90 in min)
SITES = [
    [P, 10, 6, 1, 1, 1, 4.0, 10.0, 30.0],
    [V, 3, 2, 1, 0, 0, 1.5, 4.0, 8.0],
    [S, 0, 0, 0, 0, 0, 0.0, None, None],
    [ALL, 13, 8, 2, 1, 1, 5.5, 8.0, 20.0],
]
# (site, kind, visits, helped, no-show, expired, cancelled, also dealt with, median, p90),
# most visits + also first, then by id (digital and tax: 4 + 1 each)
CATS = [
    [P, "Phone, tablet or computer", 4, 3, 0, 0, 0, 1, 20.0, 30.0],
    [P, "Tax and allowances", 4, 3, 0, 0, 1, 1, 10.0, 10.0],
    [P, "Housing", 2, 0, 1, 1, 0, 0, 2.0, 2.0],
    [P, "Total", 10, 6, 1, 1, 1, 2, 10.0, 30.0],
    [V, "digital", 2, 2, 0, 0, 0, 0, 4.0, 8.0],
    [V, "letters", 1, 0, 1, 0, 0, 0, 1.0, 1.0],
    [V, "Total", 3, 2, 1, 0, 0, 0, 4.0, 8.0],
    [ALL, "Total", 13, 8, 2, 1, 1, 2, 8.0, 20.0],
]
# (site, helped, solved, referred, follow-up, not recorded)
OUTCOMES = [[P, 6, 1, 3, 1, 1], [V, 2, 0, 0, 0, 2], [S, 0, 0, 0, 0, 0], [ALL, 8, 1, 3, 1, 3]]
# (site, destination, count): most first, then by id
# (the second profile labels gemeente in Arabic and Dutch only: Dutch, the site's first)
REFS = [[P, "Not recorded", 1], [P, "Gemeente", 1], [P, "WIJ team", 1], [ALL, "Total", 3]]
# (site, yes, no, not recorded)
FIRST = [[P, 2, 1, 3], [V, 0, 0, 2], [S, 0, 0, 0], [ALL, 2, 1, 5]]
LANGS = [[P, "nl", 5], [P, "ar", 1], [P, "en", 1], [P, "pl", 1], [P, "tr", 1], [P, "uk", 1],
         [V, "nl", 2], [V, "ar", 1], [ALL, "Total", 13]]

fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg)


def num(s):
    s = s.strip()
    if s in ("–", ""):
        return None
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s.replace(",", "."))
    except ValueError:
        return s


class Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.cur, self.row, self.cell, self.notes = {}, None, None, None, []
        self.in_p = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.cur = self.tables.setdefault(a.get("id"), [])
        elif tag == "tr" and self.cur is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif tag == "p":
            self.in_p = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row and not any(c for c in self.row if False):
                self.cur.append(self.row)
            self.row = None
        elif tag == "table":
            self.cur = None
        elif tag == "p" and self.in_p is not None:
            self.notes.append(self.in_p)
            self.in_p = None

    def handle_data(self, d):
        if self.cell is not None:
            self.cell += d
        if self.in_p is not None:
            self.in_p += d


def same(where, got, want):
    if len(got) != len(want):
        fail(f"{where}: {len(got)} rows, want {len(want)}:\n  got  {got}\n  want {want}")
    for g, w in zip(got, want):
        if [x for x in g] != w:
            fail(f"{where}: row {g}, want {w}")


def check_html(path):
    t = Tables()
    t.feed(open(path, encoding="utf-8").read())
    for tid, want in (("t-sites", SITES), ("t-cats", CATS), ("t-outcomes", OUTCOMES),
                      ("t-refs", REFS), ("t-first", FIRST), ("t-langs", LANGS)):
        rows = t.tables.get(tid)
        if rows is None:
            fail(f"page: no table {tid}")
            continue
        body = [[num(c) for c in r] for r in rows[1:]]
        same(f"page {tid}", body, want)
    if not any("estimate of the residents reached" in n for n in t.notes):
        fail("page: the first visits are not called an estimate")
    if not any("sent no profile" in n for n in t.notes):
        fail("page: the site without a profile is not pointed out")


def check_xlsx(path):
    wb = openpyxl.load_workbook(path)
    want_sheets = ["Report", "Locations", "Kinds of help", "Outcomes", "Referrals",
                   "First visits", "Languages"]
    if wb.sheetnames != want_sheets:
        fail(f"xlsx: sheets {wb.sheetnames}, want {want_sheets}")
        return
    rep = wb["Report"]
    import datetime
    if not isinstance(rep["B2"].value, datetime.datetime):
        fail(f"xlsx: the period's start is not a date: {rep['B2'].value!r}")
    for name, want, ncols in (("Locations", SITES, 9), ("Kinds of help", CATS, 10),
                              ("Outcomes", OUTCOMES, 6), ("Referrals", REFS, 3),
                              ("First visits", FIRST, 4), ("Languages", LANGS, 3)):
        ws = wb[name]
        rows = [list(r)[:ncols] for r in ws.iter_rows(min_row=2, values_only=True)]
        rows = [r for r in rows if r[0] is not None and (len(r) < 2 or r[1] is not None or
                                                         ncols > 2)]
        rows = [r for r in rows if not (isinstance(r[0], str) and r[0].startswith("First visits are"))]
        for r in rows:
            for v in r[1:] if name not in ("Kinds of help", "Referrals", "Languages") else r[2:]:
                if v is not None and not isinstance(v, (int, float)):
                    fail(f"xlsx {name}: {v!r} is not a number")
        norm = [[int(v) if isinstance(v, float) and v == int(v) and i < ncols - 3 else v
                 for i, v in enumerate(r)] for r in rows]
        # compare numbers by value (5.0 == 5)
        same(f"xlsx {name}", [[(float(v) if isinstance(v, (int, float)) else v) for v in r] for r in norm],
             [[(float(v) if isinstance(v, (int, float)) else v) for v in r] for r in want])


def check_csv(path):
    text = open(path, encoding="utf-8-sig").read()
    rows = list(csv.DictReader(text.splitlines(), delimiter=";"))
    agg = {}
    outcomes, first, refs, langs, waits = {}, {}, {}, {}, {}
    for r in rows:
        site = r["Location"]
        k = (site, r["Kind of help"])
        a = agg.setdefault(k, [0] * 5)
        a[0] += 1
        ended = r["Ended as"]
        for i, w in enumerate(["helped", "no-show", "expired at closing", "cancelled"]):
            a[i + 1] += ended == w
        if r["Wait (s)"]:
            waits.setdefault(site, []).append(int(r["Wait (s)"]))
        langs[(site, r["Language"])] = langs.get((site, r["Language"]), 0) + 1
        if ended == "helped":
            o = outcomes.setdefault(site, [0, 0, 0, 0, 0])
            o[0] += 1
            o[{"solved": 1, "referred": 2, "follow-up needed": 3, "": 4}[r["Outcome"]]] += 1
            f = first.setdefault(site, [0, 0, 0])
            f[{"yes": 0, "no": 1, "": 2}[r["First visit"]]] += 1
            if r["Outcome"] == "referred":
                d = r["Referred to"] or "Not recorded"
                refs[(site, d)] = refs.get((site, d), 0) + 1
        if r["Issued"] and not (len(r["Issued"]) == 19 and r["Issued"][10] == " "):
            fail(f"csv: issue time {r['Issued']!r} is not YYYY-MM-DD HH:MM:SS")
    for c in CATS:
        if c[1] == "Total":
            continue
        got = agg.get((c[0], c[1]))
        if got != c[2:7]:
            fail(f"csv: {c[0]} / {c[1]}: {got}, want {c[2:7]}")
    for o in OUTCOMES:
        if o[0] in (ALL, S):
            continue
        if outcomes.get(o[0]) != o[1:]:
            fail(f"csv: outcomes of {o[0]}: {outcomes.get(o[0])}, want {o[1:]}")
    for f in FIRST:
        if f[0] in (ALL, S):
            continue
        if first.get(f[0]) != f[1:]:
            fail(f"csv: first visits of {f[0]}: {first.get(f[0])}, want {f[1:]}")
    for r in REFS:
        if r[0] != ALL and refs.get((r[0], r[1])) != r[2]:
            fail(f"csv: referrals {r[0]} / {r[1]}: {refs.get((r[0], r[1]))}, want {r[2]}")
    for l in LANGS:
        if l[0] != ALL and langs.get((l[0], l[1])) != l[2]:
            fail(f"csv: languages {l[0]} / {l[1]}: {langs.get((l[0], l[1]))}, want {l[2]}")
    for s in SITES:
        if s[0] in (ALL, S):
            continue
        w = sorted(waits.get(s[0], []))
        med = w[(len(w) * 50 + 99) // 100 - 1] / 60
        p90 = w[(len(w) * 90 + 99) // 100 - 1] / 60
        if (round(med, 1), round(p90, 1)) != (s[7], s[8]):
            fail(f"csv: waits of {s[0]}: {med:.1f} / {p90:.1f} min, want {s[7]} / {s[8]}")


check_html(sys.argv[1])
check_xlsx(sys.argv[2])
check_csv(sys.argv[3])
print(f"report check: {fails} difference(s)")
sys.exit(1 if fails else 0)
