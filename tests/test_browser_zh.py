"""The Chinese edition in a real browser (issue 13): every page opened with ``?lang=zh``
shows its title in Chinese, the CJK glyphs are drawn (not tofu boxes), the link keeps
``lang=zh``, and the sidebar switch to English changes the words. One screenshot per page
under ``test-artifacts/screens/zh_*.png`` (look at them)."""
from __future__ import annotations

import socket

import pytest

from tests.browser_support import BROWSER_MARKS, SCREENS, settle

pytestmark = BROWSER_MARKS

PAGES = [  # (url path, Chinese title, English title, screenshot name)
    ("", "概览", "Overview", "overview"),
    ("patients", "患者", "Patients", "patients"),
    ("transfusions", "输血", "Transfusions", "transfusions"),
    ("responses", "疗效与亚组", "Responses & subgroups", "responses"),
    ("early", "早期评估与试验对照", "Early review & trials", "early"),
    ("safety", "安全性", "Safety", "safety"),
    ("data", "数据", "Data", "data"),
]
PORTS = range(8630, 8640)  # this suite's ports (several developers share the machine)


def _port_in_range() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 8630–8639")


@pytest.fixture(scope="module")
def server(monkeypatch_module):
    from tests import browser_support

    monkeypatch_module.setattr(browser_support, "_free_port", _port_in_range)
    with browser_support.streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="en-GB")
    yield context.new_page()
    context.close()


#: Draws the page title's text and the same number of unassigned code points (always the
#: font's "missing glyph" box) in the title's own font; equal pixels = the CJK text is tofu.
_GLYPHS_DRAWN = """(text) => {
  const h1 = document.querySelector('h1');
  const font = getComputedStyle(h1).font;
  const draw = (s) => {
    const canvas = document.createElement('canvas');
    canvas.width = 400; canvas.height = 80;
    const ctx = canvas.getContext('2d');
    ctx.font = font; ctx.fillStyle = '#000'; ctx.fillText(s, 5, 60);
    return Array.from(ctx.getImageData(0, 0, 400, 80).data);
  };
  const cjk = draw(text), tofu = draw('\\u{10FFFD}'.repeat([...text].length));
  const ink = cjk.filter((v, i) => i % 4 === 3 && v > 0).length;
  const same = cjk.every((v, i) => v === tofu[i]);
  return {ink, same, font};
}"""


def _screenshot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1600, "height": min(max(height, 1000), 4000)})
    page.wait_for_timeout(700)
    page.screenshot(path=str(SCREENS / f"zh_{name}.png"))
    page.set_viewport_size({"width": 1600, "height": 1000})


@pytest.mark.parametrize("path, zh, en, shot", PAGES, ids=[p[3] for p in PAGES])
def test_every_page_opens_in_chinese_with_cjk_glyphs(server, page, path, zh, en, shot):
    page.goto(f"{server}/{path}?lang=zh")
    settle(page)
    heading = page.locator("h1").first
    assert heading.inner_text().strip() == zh
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("绘制本页时出错").count() == 0
    assert "lang=zh" in page.url  # the shared link keeps the language
    drawn = page.evaluate(_GLYPHS_DRAWN, zh)
    assert drawn["ink"] > 50 and not drawn["same"], drawn  # glyphs, not the missing-glyph box
    assert page.get_by_text("合成演示队列（非真实患者数据）").first.is_visible()
    # the navigation speaks Chinese too
    assert page.locator('[data-testid="stSidebarNav"]').inner_text().count("疗效与亚组") == 1
    _screenshot(page, shot)


def test_the_switch_to_english_changes_the_words(server, page):
    page.goto(f"{server}/transfusions?lang=zh")
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "输血"
    page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "Transfusions"
    assert page.get_by_text("Transfusion status at baseline").first.is_visible()
    assert "lang=zh" not in page.url
    page.locator('[data-testid="stSidebar"]').get_by_text("中文", exact=True).click()
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "输血"
    assert "lang=zh" in page.url


def test_presentation_mode_in_chinese(server, page):
    page.goto(f"{server}/?lang=zh&present=1")
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "主要数据"
    assert page.get_by_role("button", name="下一页").is_visible()
    drawn = page.evaluate(_GLYPHS_DRAWN, "主要数据")
    assert drawn["ink"] > 50 and not drawn["same"], drawn
    _screenshot(page, "present")
