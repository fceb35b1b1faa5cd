"""Issue 17 item 5: nothing the product starts makes an outbound call.

The export browser (kaleido's Chromium) is started with ``--disable-background-networking``
and the other flags of :data:`lusp.export.images.CHROMIUM_OFFLINE_FLAGS`, without
``--disable-web-security``, in a network namespace of its own where the machine allows
one. Here every export runs with the network ON under ``strace -f``, which records each
``connect()`` of the process and all its children (Chromium's browser, GPU, network and
renderer processes): any IPv4/IPv6 connect — a TCP connection, a DNS query through the
resolver — fails the test. (The Streamlit server itself is traced the same way in
``test_browser_hostile.py`` while pages and downloads run.)
"""
from __future__ import annotations

import os
import re
import subprocess
import textwrap
from pathlib import Path

from lusp.export import images
from tests.offline_support import ROOT, needs_strace, outbound_attempts, run_traced

DEMO = ROOT / "data" / "demo_cohort.xlsx"


def test_the_wrapper_drops_web_security_and_adds_the_offline_flags(tmp_path):
    # a stand-in "browser" that prints the arguments it was started with
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\nfor a do echo \"$a\"; done\n")
    fake.chmod(0o700)
    wrapper = images.offline_chromium_wrapper(str(fake))
    assert oct(os.stat(wrapper).st_mode & 0o777) == "0o700"
    out = subprocess.run([wrapper, "--headless", "--disable-web-security", "--user-data-dir=/tmp/x y"],
                         capture_output=True, text=True, timeout=30).stdout.splitlines()
    assert "--disable-web-security" not in out
    assert out[:2] == ["--headless", "--user-data-dir=/tmp/x y"]  # kaleido's own, spaces kept
    for flag in ("--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-domain-reliability", "--host-resolver-rules=MAP * ~NOTFOUND"):
        assert flag in out
    assert images.offline_chromium_wrapper(str(fake)) == wrapper  # written once per process


@needs_strace
def test_every_export_makes_no_outbound_connection(tmp_path):
    log = tmp_path / "connect.strace"
    script = textwrap.dedent(
        f"""
        import io, time, xml.etree.ElementTree as ET
        import altair as alt, pandas as pd, plotly.graph_objects as go
        from pptx import Presentation
        from lusp.analysis import analyze
        from lusp.export.deck import build_deck
        from lusp.export.images import figure_to_image, png_size, prewarm_plotly_renderer, stop_plotly_renderer
        from lusp.export.markdown import results_markdown
        from lusp.export.tables import to_csv_bytes, to_xlsx_bytes
        from lusp.load import load_cohort
        prewarm_plotly_renderer()  # as a page with a Plotly chart does
        frame = pd.DataFrame({{"x": [1, 2], "y": [3.0, 4.0]}})
        fig = go.Figure(go.Bar(x=[1, 2], y=[3, 4]))
        chart = alt.Chart(frame).mark_point().encode(x="x", y="y")
        assert png_size(figure_to_image(fig, "png"))[0] >= 1600
        ET.fromstring(figure_to_image(fig, "svg"))
        assert png_size(figure_to_image(chart, "png"))[0] >= 1600
        ET.fromstring(figure_to_image(chart, "svg"))
        assert to_xlsx_bytes(frame)[:2] == b"PK" and to_csv_bytes(frame)
        results = analyze(load_cohort({str(DEMO)!r}, synthetic=True)).subset(["DEMO-04", "DEMO-20"])
        prs = Presentation(io.BytesIO(build_deck(results, filters="two patients")))
        assert len(prs.slides) >= 8 and "## Methods" in results_markdown(results)
        time.sleep(5)  # Chromium's background tasks start seconds after launch: give them time
        stop_plotly_renderer()
        print("exports-ok")
        """
    )
    done = run_traced(script, log, timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "exports-ok" in done.stdout
    text = log.read_text(errors="replace")
    assert re.search(r'execve\("[^"]*chromium"', text), "the trace followed the browser's processes"
    assert outbound_attempts(log) == []


def test_outbound_attempts_sees_tcp_and_dns_but_not_the_probe(tmp_path):
    log = tmp_path / "sample.strace"
    log.write_text(
        '12 connect(5, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0\n'
        '13 connect(7, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2607:f8b0::200e", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH\n'
        '14 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2001:4860:4860::8888", &sin6_addr), sin6_scope_id=0}, 28) = -1 EADDRNOTAVAIL\n'
        '15 connect(3, {sa_family=AF_UNIX, sun_path="/run/dbus/system_bus_socket"}, 110) = -1 ENOENT\n')
    attempts = outbound_attempts(log)
    assert len(attempts) == 2 and "127.0.0.53" in attempts[0] and "2607:f8b0::200e" in attempts[1]
