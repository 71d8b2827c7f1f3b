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


def help_options():
    import subprocess
    from emulator import build_dir
    out = subprocess.run([os.path.join(build_dir(), "src", "fs", "zecfs"), "--help"],
                         capture_output=True, text=True).stdout
    ours = out.split("FUSE options:")[0]
    opts = re.findall(r"^\s+-o (\w+)", ours, re.M)
    assert len(opts) >= 10
    return opts


def test_readme_and_man_page_agree_with_help():
    readme = open(os.path.join(ROOT, "README.md")).read()
    man = open(os.path.join(ROOT, "docs", "zecfs.1")).read().replace("\\", "")
    for opt in help_options():
        assert "-o %s" % opt in readme, opt
        assert "-o %s" % opt in man, opt

