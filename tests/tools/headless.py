"""Shared set-up of the page checks (check_inject_html.py, check_profile_html.py): their command
line and headless Chromium (Debian's `chromium`, installed by scripts/setup)."""
import argparse
import os
import shutil
import subprocess


def parse_args(doc):
    """--steadfast, --work (made, and made absolute) and --chromium; returns (args, browser path or
    None when not found)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steadfast", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--chromium", default="chromium")
    args = ap.parse_args()
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    browser = shutil.which(args.chromium)
    if not browser:
        print(f"SKIP: {args.chromium} not found (scripts/setup installs Debian's chromium)")
    return args, browser


def chromium(browser, args, path, timeout=120):
    """Runs headless Chromium on the local file `path` with extra `args`; returns its stdout."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--user-data-dir=" + os.path.join(os.path.dirname(os.path.abspath(path)), "chromium-profile")]
    p = subprocess.run(cmd + args + ["file://" + os.path.abspath(path)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    if p.returncode != 0:
        print(p.stderr[-2000:])
        raise SystemExit(f"chromium exited {p.returncode}")
    return p.stdout
