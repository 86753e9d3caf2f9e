"""The app in a real browser: `streamlit run app.py` on a free port, driven by Debian's chromium
through Playwright. Every page renders its charts with no error box or traceback; a bad plan
upload shows its errors in the page; the app opens on the bundled programs with who wins and why
drawn; a screenshot of each page is saved under tests/screenshots/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "tests" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = ["Compare plans", "Cost and risk", "My earnings", "Plan designer"]
NO_TIMEOUT = 0  # Playwright waits as long as the page takes to render (no wall-clock limit)

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed at /usr/bin/chromium "
                       "(make test installs it with apt-get when run as root)"),
]
REDRAW_MS = 120_000  # how long a value the app is redrawing may take to read as expected (not a speed check)
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """A streamlit server on the app, stopped (by its own process id) after the module. Its
    output goes to a file: a pipe nobody reads fills up and blocks the server mid-run."""
    port = _free_port()
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [streamlit, "run", "app.py", "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(port, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_for_server(port: int, server: subprocess.Popen, log: Path) -> None:
    """Until the port accepts connections; fails with the server's output if it exits first."""
    while True:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(NO_TIMEOUT)
    page.goto(app_url)
    _settled(page)
    yield page
    context.close()


def _settled(page) -> None:
    """Wait until the app has finished its run: the sidebar is drawn and nothing is running."""
    page.wait_for_selector('[data-testid="stSidebar"]')
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1')
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')")
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')")


def _compare_done(page) -> None:
    """Until this run of the Compare page has drawn its last section (a run can outlast
    _settled): the Downloads heading, not left over from the run before (stale)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stMain\"] h3')].some(h => h.innerText === 'Downloads'"
        " && !h.closest('[data-stale=\"true\"]'))")
    _settled(page)


def _open(page, name: str) -> None:
    page.locator('[data-testid="stSidebar"] [role="radiogroup"]').first.get_by_text(name, exact=True).click()
    page.wait_for_function(f"() => [...document.querySelectorAll('h1')].some(h => h.innerText.includes({name!r}))")
    _settled(page)


def _no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]').first.inner_text()
    assert "Traceback" not in page.locator("body").inner_text()
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0, page.locator(
        '[data-testid="stAlertContentError"]').first.inner_text()


def _screenshot(page, name: str) -> None:
    """The whole page: the viewport is stretched to the height of the app's scrolling body."""
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], "
                           "[data-testid=\"stSidebarContent\"]')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1500, "height": min(max(int(height) + 40, 1000), 12000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(_shots() / f"{name}.png"))


def _shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def _charts_drawn(page) -> int:
    """How many Vega charts the page holds, once every one has drawn its canvas or SVG and no
    more arrive (a loaded machine attaches a page's charts over several frames)."""
    page.wait_for_selector(".vega-embed", state="attached")
    count = -1
    while True:
        page.wait_for_function("() => [...document.querySelectorAll('.vega-embed')]"
                               ".every(e => e.querySelector('canvas, svg'))")
        drawn = page.locator(".vega-embed").count()
        if drawn == count:
            return drawn
        count = drawn
        page.wait_for_timeout(1000)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_draws_its_charts_without_an_error(page, name):
    _open(page, name)
    _no_errors(page)
    assert _charts_drawn(page) >= 1
    _screenshot(page, name.lower().replace(" ", "_"))


def test_the_app_opens_on_the_programs_with_who_wins_and_why_drawn(page):
    _no_errors(page)
    picked = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.inner_text()
    assert "Current plan 2026" in picked and "Proposed role plans 2027" in picked
    main = page.locator('[data-testid="stMain"]')
    # the page may still be redrawing: expect waits until it reads so (or fails saying what it read)
    expect = playwright_api.expect
    expect(main.get_by_text("Winners and losers against Current plan 2026", exact=True)).to_have_count(
        1, timeout=REDRAW_MS)
    metrics = main.locator('[data-testid="stMetric"]')
    for index, (label, value) in enumerate([("Winners", "48"), ("Losers", "31")]):
        expect(metrics.nth(index).locator('[data-testid="stMetricLabel"]')).to_have_text(label, timeout=REDRAW_MS)
        expect(metrics.nth(index).locator('[data-testid="stMetricValue"]')).to_have_text(value, timeout=REDRAW_MS)
    page.wait_for_selector(".st-key-who_wins_proposed-2027 .vega-embed :is(canvas, svg)")
    who = page.locator(".st-key-who_wins_proposed-2027")
    box = who.locator(".vega-embed").bounding_box()
    assert box["width"] > 400 and box["height"] > 200  # drawn at the page's width, a bar pair per behaviour
    expect(main.get_by_text("on 4 of 4 behaviours")).to_have_count(1, timeout=REDRAW_MS)
    who.screenshot(path=str(_shots() / "who_wins_chart.png"))
    _compare_done(page)
    assert _charts_drawn(page) >= 10  # winners, who wins, scatter, components, six plans' curves
    _screenshot(page, "compare_programs")


def test_a_bad_plan_upload_shows_its_errors_and_keeps_the_plans(page, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("plan: Broken\nid: broken\nstart: 2027-01\ncomponents:\n  - {id: revenue, weight: 2.0}\n",
                   encoding="utf-8")
    _compare_done(page)
    charts_before = _charts_drawn(page)
    page.locator('[data-testid="stSidebar"] input[type="file"]').first.set_input_files(str(bad))
    page.wait_for_selector('[data-testid="stAlertContentError"]')
    _compare_done(page)
    error = page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert "broken.yaml is not a valid plan; the current plans are kept" in error
    assert "broken.yaml:5" in error  # the line of the bad component
    assert page.locator('[data-testid="stException"]').count() == 0
    assert _charts_drawn(page) == charts_before
    _screenshot(page, "bad_plan_upload")


def test_a_plan_edit_with_an_error_shows_the_line_in_the_page(page):
    _open(page, "Plan designer")
    editor = page.locator(".st-key-designer_yaml textarea")
    page.wait_for_function("() => (document.querySelector('.st-key-designer_yaml textarea') || {value: ''})"
                           ".value.includes('weight:')")  # the plan's text is in the editor
    text = editor.input_value()
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if row.strip().startswith("weight:"))
    editor.fill(text.replace("weight:", "weight: lots #", 1))
    editor.press("Control+Enter")
    page.wait_for_selector('[data-testid="stAlertContentError"]')
    _settled(page)
    error = page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert f"edited-plan.yaml:{line}:" in error
    assert page.locator('[data-testid="stException"]').count() == 0
    _screenshot(page, "plan_designer_error")


def test_a_crm_export_is_mapped_in_the_page_and_its_mapping_downloads(page, tmp_path):
    from comp_sim import api

    export = ROOT / "examples" / "hubspot"
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("CRM export", exact=True).click()
    _settled(page)
    page.locator('[data-testid="stMain"] input[type="file"]').set_input_files(
        [str(path) for path in sorted(export.glob("*.csv"))])
    page.wait_for_selector('[data-testid="stAlertContentError"]')
    _settled(page)
    assert "owners.csv:1: missing required column(s) role" in page.locator(
        '[data-testid="stAlertContentError"]').first.inner_text()
    role = page.get_by_label("role: value for every row / blank")
    role.fill("AE")
    role.press("Enter")
    page.wait_for_selector('[data-testid="stAlertContentSuccess"]')
    _settled(page)
    assert "The export loads: 8 reps, 160 deals" in page.locator('[data-testid="stAlertContentSuccess"]').inner_text()
    _no_errors(page)
    assert _charts_drawn(page) >= 1
    with page.expect_download() as download:
        page.get_by_role("button", name="Download mapping.yaml").click()
    mapping = tmp_path / "mapping.yaml"
    download.value.save_as(mapping)
    assert len(api.load_data(export, mapping=mapping).deals) == 160  # the CLI reads the export as the page did
    _screenshot(page, "crm_export")
