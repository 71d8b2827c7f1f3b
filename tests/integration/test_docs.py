"""docs/errors.md is the errno table of src/client/zec_errno.c, row for row."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def code_table():
    src = open(os.path.join(ROOT, "src/client/zec_errno.c")).read()
    hdr = open(os.path.join(ROOT, "src/client/zec_errno.h")).read()
    names = dict(re.findall(r'#define (ZECFS_\w+)\s+"(\w+)"', hdr))
    rows = re.findall(r'\{ (?:"([^"]+)"|(ZECFS_\w+)), (E[A-Z]+), "', src)
    assert rows, "no rows parsed from zec_errno.c"
    return {(code or names[local]): err for code, local, err in rows}


def doc_table():
    doc = open(os.path.join(ROOT, "docs/errors.md")).read()
    return dict(re.findall(r'^\| `([A-Z0-9_*]+)` \| (E[A-Z]+) \|', doc, re.M))


def test_errors_doc_matches_the_code_table():
    assert doc_table() == code_table()
