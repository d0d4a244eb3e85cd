"""The report in a real browser: headless Chromium (Debian's `chromium`, installed by .ci/run)
opens report.html, and a script checks that every figure loads, that no table is wider than the
page's text column or has a cell whose text overflows it, and the key numbers are on the page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

import duurzaam as dz

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

CHECK = """
<script>
window.addEventListener('load', () => {
  const imgs = [...document.images];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  const body = document.body.getBoundingClientRect().width;
  const wide = [...document.querySelectorAll('table')].filter(t => t.getBoundingClientRect().width > body + 1).length;
  const overflow = [...document.querySelectorAll('td, th')].filter(c => c.scrollWidth > c.clientWidth + 1).length;
  const out = document.createElement('pre');
  out.id = 'duurzaam-check';
  out.textContent = JSON.stringify({images: imgs.length, broken, wide, overflow, text: document.body.innerText});
  document.body.appendChild(out);
});
</script>
"""


@pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium here (.ci/run installs Debian's chromium)")
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_report_renders_in_a_browser(tmp_path, lang):
    panel = dz.datasets.four_arm_panel(n_persons=800, seed=6)
    ev = dz.evaluate_panel(panel, person="person_id", period="month", status="status", arm="arm",
                           origin="programme_start", cluster="municipality", covariates=["age", "C(education)"],
                           n_resamples=20, round_to=5, lang=lang)
    page = ev.to_html().replace("</body>", CHECK + "</body>")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                          "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="duurzaam-check">(.*?)</pre>', out.stdout, re.S)
    assert found, out.stderr[-2000:]
    import html

    res = json.loads(html.unescape(found.group(1)))
    assert res["images"] == len(ev.figures) and res["broken"] == 0
    assert res["wide"] == 0 and res["overflow"] == 0
    first = ev.display("sustained_work_at").iloc[0, 2]
    assert first in res["text"]
    assert ("Time to sustained work" if lang == "en" else "Tijd tot duurzaam werk") in res["text"]
