"""The privacy tests' shop: files with one person to forget (Zoe Quill, ``zq-7341``) in
every kind of table, and how to build the mart from them.

A plain module (no relative imports, no fixtures), so test directories other than this one
can load it by path (as ``tests/cli/conftest.py`` does) and build the same shop. Zoe's values are
distinctive strings, so a search of the raw bytes of a file finds them only if she is there.
"""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path
from typing import Any

import ibis

import segmint
from segmint import workflows
from segmint.mart import TABLES, Mart
from segmint.mart.ingest import IngestOptions, ingest

KEY = "test-privacy-key-0123456789abcdefghijklmnopqrstuvwxyz"
ZOE = "zq-7341"
ZOE_EMAIL = "Zoe.Quill@Example.org"
ZOE_PHONE = "+44 7700 900461"
ZOE_NAME = "Quillfeather"
ZOE_TRACES = (
    ZOE.encode(),
    ZOE_EMAIL.encode(),
    ZOE_EMAIL.lower().encode(),
    ZOE_PHONE.encode(),
    ZOE_NAME.encode(),
)
"""Byte strings that must not be in any file of the mart after Zoe is forgotten."""
OTHERS = ("ab-1001", "cd-2002", "ef-3003")

CUSTOMERS = """customer_id,signup_date,birth_year,gender,country,city
zq-7341,2023-02-01,1990,f,UK,Leeds
ab-1001,2023-01-10,1985,f,UK,York
cd-2002,2023-03-05,1972,m,FR,Lyon
ef-3003,2023-04-20,1999,m,DE,Bonn
"""
PII = f"""customer_id,email,phone,first_name,last_name,address
{ZOE},{ZOE_EMAIL},{ZOE_PHONE},Zoe,{ZOE_NAME},12 Inkwell Lane
ab-1001,amy.bell@example.com,+44 7700 900001,Amy,Bell,1 High Street
cd-2002,claude.dupont@example.fr,+33 6 00 00 00 02,Claude,Dupont,2 Rue Haute
ef-3003,erik.fromm@example.de,+49 151 0000003,Erik,Fromm,3 Hauptstrasse
{ZOE},zoe.other@example.org,{ZOE_PHONE},Zoe,{ZOE_NAME},99 Elsewhere Road
"""
"""The last row repeats Zoe's key with other content: it goes to quarantine."""
ATTRIBUTES = f"""customer_id,name,value,source
{ZOE},interest,calligraphy,survey
ab-1001,interest,running,survey
cd-2002,crm_stage,platinum-tier,crm
"""
CONSENTS = f"""customer_id,channel,granted,source,updated_at
{ZOE},email,true,checkout,2023-02-01 10:00:00
ab-1001,email,true,checkout,2023-01-10 10:00:00
ef-3003,sms,false,preferences,2023-05-01 10:00:00
"""
PRODUCTS = (
    "product_id,name,category,list_price,unit_cost\np1,Pen,writing,10,4\np2,Ink,writing,5,1\n"
)
ORDERS = f"""order_id,customer_id,order_ts,channel,status
O-100,{ZOE},2024-01-05 09:00:00,web,completed
O-101,ab-1001,2024-01-06 10:00:00,web,completed
O-102,cd-2002,2024-02-01 11:00:00,store,completed
O-103,{ZOE},2024-02-10 12:00:00,app,completed
O-104,{ZOE},not-a-date,web,completed
O-105,ef-3003,2024-02-11 12:00:00,web,completed
"""
"""O-104 has an unreadable timestamp: Zoe's row goes to quarantine."""
LINES = """order_id,line_no,product_id,quantity,unit_price,discount
O-100,1,p1,2,10,0
O-100,2,p2,1,5,0
O-101,1,p1,1,10,0
O-102,1,p2,3,5,1
O-103,1,p1,1,10,0
O-105,1,p2,1,5,0
"""
TRANSACTIONS = f"""customer_id,order_ts,product_id,quantity,unit_price
{ZOE},2024-03-01 10:00:00,p1,1,10
ab-1001,2024-03-02 10:00:00,p2,2,5
"""
"""No order_id: the ids become ``<customer_id>@<time>``."""
EVENTS = f"""event_id,customer_id,session_id,event_ts,event_type,object_id,properties
e1,{ZOE},s1,2024-01-04 08:00:00,search,quill pens,"{{""q"": ""quill pens""}}"
e2,{ZOE},s1,2024-01-04 08:01:00,product_view,p1,
e3,ab-1001,s2,2024-01-05 08:00:00,page_view,home,
e4,cd-2002,s3,2024-01-30 08:00:00,email_open,c1,
"""
CAMPAIGNS = "campaign_id,name,channel,start_date,end_date,description\nc1,Spring pens,email,2024-03-01,2024-03-31,10% off pens\n"
MEMBERS = f"""campaign_id,customer_id,group,assigned_at
c1,{ZOE},target,2024-02-20 00:00:00
c1,ab-1001,control,2024-02-20 00:00:00
c1,cd-2002,target,2024-02-20 00:00:00
"""
FILES: dict[str, tuple[str, str]] = {
    "customers": ("customers.csv", CUSTOMERS),
    "customer_pii": ("pii.csv", PII),
    "customer_attributes": ("attributes.csv", ATTRIBUTES),
    "consents": ("consents.csv", CONSENTS),
    "products": ("products.csv", PRODUCTS),
    "orders": ("orders.csv", ORDERS),
    "order_lines": ("lines.csv", LINES),
    "transactions": ("transactions.csv", TRANSACTIONS),
    "events": ("events.csv", EVENTS),
    "campaigns": ("campaigns.csv", CAMPAIGNS),
    "campaign_members": ("members.csv", MEMBERS),
}
"""Target table → (file name, content), in load order."""


def write_files(folder: Path) -> Path:
    """Write the shop's source files into ``folder``; return it."""
    for name, content in FILES.values():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def build_shop(path: Path, files: Path) -> Path:
    """The shop mart at ``path``: every file of ``files`` loaded, then features, RFM, scores
    and model runs."""
    with segmint.connect(path) as mart:
        for table, (name, _) in FILES.items():
            ingest(mart, table, files / name, IngestOptions())
        day, features = workflows.refresh_features(mart, "2024-03-31")
        workflows.run_rfm(mart, day, features=features)
        add_scores(mart, dt.date(2024, 3, 31))
        add_model_run(mart, 1, "bgnbd", dt.date(2024, 3, 31))
        add_model_run(mart, 2, "old_churn", dt.date(2022, 12, 31))
    return path


def add_scores(mart: Mart, as_of: dt.date) -> None:
    """A CLV and a churn score for every customer."""
    ids = [ZOE, *OTHERS]
    rows = {
        "customer_id": ids * 2,
        "as_of": [as_of] * (2 * len(ids)),
        "model": ["bgnbd+gammagamma"] * len(ids) + ["churn_gbm"] * len(ids),
        "score_name": ["clv"] * len(ids) + ["churn_risk"] * len(ids),
        "value": [100.0 + i for i in range(len(ids))] + [0.1 * (i + 1) for i in range(len(ids))],
    }
    mart.con.insert("scores", ibis.memtable(rows, schema=TABLES["scores"].ibis_schema()))


def add_model_run(
    mart: Mart,
    run_id: int,
    model: str,
    as_of: dt.date,
    created_at: dt.datetime = dt.datetime(2024, 4, 1),
) -> None:
    """A fitted-model row (its blob a pickled dict: no customer data)."""
    row: dict[str, list[Any]] = {
        "run_id": [run_id],
        "model": [model],
        "kind": ["clv"],
        "as_of": [as_of],
        "params": ["{}"],
        "metrics": ["{}"],
        "model_blob": [pickle.dumps({"params": [1.0, 2.0]})],
        "created_at": [created_at],
    }
    mart.con.insert("model_runs", ibis.memtable(row, schema=TABLES["model_runs"].ibis_schema()))


def file_bytes(path: Path) -> bytes:
    """The raw bytes of ``path`` and of its write-ahead log (empty when absent)."""
    found = b""
    for candidate in (path, Path(f"{path}.wal")):
        if candidate.exists():
            found += candidate.read_bytes()
    return found


def traces_in(data: bytes, traces: tuple[bytes, ...] = ZOE_TRACES) -> list[bytes]:
    """The traces found in ``data``."""
    return [t for t in traces if t in data]


def table_names(mart: Mart) -> list[str]:
    """The mart's tables, without scratch tables and Ibis's in-memory tables."""
    return [n for n in mart.con.list_tables() if not n.startswith(("_", "ibis_"))]


def rows_of_others(mart: Mart) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that has a customer id, except Zoe's, sorted."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for name in table_names(mart):
        table = mart.con.table(name)
        if "customer_id" not in table.columns:
            continue
        frame = table.filter(table.customer_id != ZOE).to_pandas().astype(str)
        found[name] = sorted(tuple(r) for r in frame.itertuples(index=False))
    return found
