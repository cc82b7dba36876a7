"""Make the sample import files in this folder (committed; run again after a change):

    python data/make_samples.py

leads-en.xlsx, leads-en.csv  English headers, 40 good leads each (different people)
leads-zh.xlsx                Chinese headers (联系人, 手机, 邮箱, 企业名称 …), 40 good leads
leads-problems.csv           one row of every kind an import rejects or skips, with a
                             comment column saying which; and some good rows
leads-intake.jsonl           JSON lines for `leadtui ingest`, two of them bad

Try:  leadtui import data/leads-en.xlsx --dry-run
      leadtui import data/leads-problems.csv --rejects /tmp/problems.rejects.csv
      leadtui ingest --source signup < data/leads-intake.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from leadtui.bench.exchange import sample_lead  # noqa: E402


def write_table(path: Path, fmt: str, headers: list[str], rows: list[list[object]], _total: int) -> None:
    """As a person's spreadsheet holds them: no quoting of formula-like values (that
    is what the importer must cope with), dates as dates, UTF-8 csv with a BOM."""
    if fmt == "csv":
        import csv

        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            writer.writerows([["" if v is None else v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v
                               for v in row] for row in rows])
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    path.chmod(0o644)

DAY = datetime(2026, 11, 20, 9, 0)
EN = [("contact", "Contact"), ("mobile", "Mobile"), ("email", "Email"), ("company", "Company"),
      ("address", "Address"), ("job_title", "Job title"), ("source", "Source"), ("submitted_at", "Submitted"),
      ("message", "Message")]
ZH = [("contact", "联系人"), ("mobile", "手机"), ("email", "邮箱"), ("company", "企业名称"), ("address", "详细地址"),
      ("job_title", "职务"), ("wechat", "微信"), ("qq", "QQ"), ("source", "来源"), ("submitted_at", "提交时间"),
      ("message", "留言内容")]
ZH_SOURCES = {"intent": "意向信息", "booking": "在线预订", "appointment": "预约申请", "signup": "线索报名",
              "inquiry": "在线询价", "sample": "样品申请", "message": "留言互动"}


def leads(start: int, n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [sample_lead(start + i, rng, DAY) for i in range(n)]


def table(rows: list[dict[str, object]], columns: list[tuple[str, str]], extra: str = "",
          zh: bool = False) -> tuple[list[str], list[list[object]]]:
    headers = [h for _, h in columns] + ([extra] if extra else [])
    body = []
    for i, row in enumerate(rows):
        cells: list[object] = [ZH_SOURCES[str(row[k])] if zh and k == "source" else row.get(k) for k, _ in columns]
        if extra:
            cells.append("VIP" if i % 7 == 0 else "")
        body.append(cells)
    return headers, body


PROBLEMS: list[tuple[str, dict[str, object]]] = [
    ("good: mobile with spaces", {"contact": "Good One", "mobile": "139 1000 0001", "email": "good1@example.com"}),
    ("good: +86 and dashes", {"contact": "好客户", "mobile": "+86 139-1000-0002", "company": "示例公司"}),
    ("good: full-width digits", {"contact": "全角", "mobile": "１３９１００００００３"}),
    ("good: a formula-looking value is kept as text", {"contact": "=HYPERLINK(\"http://x\")",
                                                       "email": "formula@example.com"}),
    ("bad mobile: 10 digits", {"contact": "Short Mobile", "mobile": "1391000000"}),
    ("bad mobile: does not start with 1", {"contact": "Landline", "mobile": "02188886666"}),
    ("bad mobile: letters", {"contact": "Letters", "mobile": "139-ABCD-0007"}),
    ("bad mobile: another country", {"contact": "US Number", "mobile": "+1 415 555 0100"}),
    ("bad email: no @", {"contact": "No At", "email": "noat.example.com"}),
    ("bad email: two @", {"contact": "Two At", "email": "a@b@example.com"}),
    ("bad email: no dot after @", {"contact": "No Dot", "email": "nodot@example"}),
    ("nothing: no contact, mobile, email or company", {"address": "上海市某路1号", "message": "only an address"}),
    ("bad date", {"contact": "Bad Date", "mobile": "13910000013", "submitted_at": "2026-02-30"}),
    ("bad date: words", {"contact": "Words Date", "mobile": "13910000014", "submitted_at": "yesterday"}),
    ("unknown source", {"contact": "Odd Source", "mobile": "13910000015", "source": "billboard"}),
    ("too long: contact over 100 characters", {"contact": "名" * 101, "mobile": "13910000016"}),
    ("same mobile as the first good row", {"contact": "Again One", "mobile": "13910000001"}),
    ("same email as the first good row", {"contact": "Again Email", "email": "GOOD1@example.com"}),
    ("duplicate of a lead in leads-en.xlsx (import that first): skipped or merged",
     {"contact": "Repeat of EN", "mobile": "DUP_EN"}),
]
PROBLEM_COLUMNS = [("contact", "Contact"), ("mobile", "Mobile"), ("email", "Email"), ("company", "Company"),
                   ("address", "Address"), ("source", "Source"), ("submitted_at", "Submitted"),
                   ("message", "Message")]


def main() -> None:
    english = leads(0, 40, 1)
    headers, body = table(english, EN, extra="Notes")
    write_table(HERE / "leads-en.xlsx", "xlsx", headers, body, len(body))
    headers, body = table(leads(100, 40, 2), EN, extra="Notes")
    write_table(HERE / "leads-en.csv", "csv", headers, body, len(body))
    headers, body = table(leads(200, 40, 3), ZH, zh=True)
    for i, cells in enumerate(body):  # Excel often holds a mobile as a number
        if i % 3 == 0 and str(cells[1]).isdigit():
            cells[1] = int(str(cells[1]))
    write_table(HERE / "leads-zh.xlsx", "xlsx", headers, body, len(body))
    rows = []
    for comment, fields in PROBLEMS:
        if fields.get("mobile") == "DUP_EN":
            fields = {**fields, "mobile": english[0]["mobile"]}
        rows.append([fields.get(k, "") for k, _ in PROBLEM_COLUMNS] + [comment])
    rows.append(["Beyond The Header", "13910000020", "", "", "", "", "", "", "comment", "a stray value"])
    write_table(HERE / "leads-problems.csv", "csv", [h for _, h in PROBLEM_COLUMNS] + ["Comment"], rows, len(rows))
    lines = [json.dumps({k: v for k, v in lead.items() if k not in ("submitted_at", "tags")}, ensure_ascii=False)
             for lead in leads(300, 6, 4)]
    lines.insert(2, "{not json")
    lines.insert(4, json.dumps({"contact": "Bad Mobile", "mobile": "12345", "source": "inquiry"}))
    (HERE / "leads-intake.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (HERE / "leads-intake.jsonl").chmod(0o644)
    print(f"wrote the samples in {HERE}")


if __name__ == "__main__":
    main()
