"""What the browser tests read off the portal's pages (the page contract)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

# the hand-made private process (conftest.private_releases)
PRIVATE_OCID = "ocds-demo01-2026-990001"
PRIVATE_TITLE = "Zephyrquartz confidential uplink procurement"
PRIVATE_TOKEN = "Zephyrquartz"

STAGES = ["planning", "tender", "award", "contract", "implementation"]
TIMELINE_STATES = {"done", "current", "not-published"}
TIMELINE = "ol.procurement-lifecycle li[data-stage][data-state]"
PROCESS_SECTIONS = ["#process-summary", "#tender", "#awards", "#contracts", "#implementation", "#history", "#downloads"]

_COUNT = re.compile(r"(\d[\d,]*)\s+[^\n\d]{0,60}?\bfound\b", re.IGNORECASE)
_NO_RESULTS = re.compile(r"\bno\b[^\n]{0,60}\bfound\b", re.IGNORECASE)


def links(page) -> list[str]:
    """Every link's resolved href, in document order."""
    return page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")


def process_names(page, live_url: str, root: str = "main") -> list[str]:
    """Names of the processes linked from the page (inside `root` if it exists)."""
    selector = f"{root} a[href]" if page.locator(root).count() else "a[href]"
    hrefs = page.eval_on_selector_all(selector, "els => els.map(a => a.href)")
    pattern = re.compile(re.escape(live_url) + r"/contracting-process/([^/?#]+)/?$")
    names = []
    for href in hrefs:
        match = pattern.match(href)
        if match and match.group(1) not in ("new",) and match.group(1) not in names:
            names.append(match.group(1))
    return names


def result_count(page) -> int:
    """The "N … found" count of a CKAN search page."""
    text = page.locator("main").inner_text() if page.locator("main").count() else page.inner_text("body")
    match = _COUNT.search(text)
    if match:
        return int(match.group(1).replace(",", ""))
    if _NO_RESULTS.search(text):
        return 0
    raise AssertionError(f"no 'N … found' result count on {page.url}")


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


_JAVASCRIPT_URLS = """(root, allowWidgets) => Array.from(root.querySelectorAll('[href], [src], [action], [formaction]'))
    .filter(el => ['href', 'src', 'action', 'formaction']
        .some(a => (el.getAttribute(a) || '').replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase().startsWith('javascript:')))
    // CKAN's own select2 widgets (built by script, e.g. the language chooser) use javascript:void(0)
    .filter(el => !(allowWidgets && el.closest('.select2-container')
                    && (el.getAttribute('href') || '').replace(/\\s/g, '') === 'javascript:void(0)'))
    .map(el => el.outerHTML.slice(0, 200))"""


def javascript_links(page, html: str | None = None) -> list[str]:
    """Elements whose href, src, action or formaction is a javascript: URL: in the
    live page (CKAN's select2 widgets aside), and in `html` (the page as served) if given."""
    found = page.evaluate(f"() => ({_JAVASCRIPT_URLS})(document, true)")
    if html is not None:
        found += page.evaluate(
            f"(html) => ({_JAVASCRIPT_URLS})(new DOMParser().parseFromString(html, 'text/html'), false)", html,
        )
    return found


def executable_markup(page) -> list[str]:
    """Script that hostile harvested text would have become: event handlers and scripts calling alert()."""
    return page.evaluate(
        """() => {
            const found = [];
            for (const el of document.querySelectorAll('*')) {
                for (const attr of el.attributes) {
                    if (attr.name.startsWith('on') && /alert\\(/.test(attr.value)) found.push(el.outerHTML.slice(0, 200));
                }
            }
            for (const s of document.querySelectorAll('script')) {
                if (/alert\\(1\\)/.test(s.textContent)) found.push(s.outerHTML.slice(0, 200));
            }
            return found;
        }"""
    )


def rendered_markup(page) -> list[str]:
    """Elements made of the demo system's hostile markup (`<img src=x …>`, `<b onmouseover=…>`,
    `<i onclick=…>`) even with their handlers stripped: harvested text rendered as HTML, not shown as text."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('img[src="x"], b, i'))
            .filter(el => el.matches('img') || /^(Notice|Planned Procurement Notice|Technical|Bid |Evaluation|Addendum)/.test(el.textContent.trim()))
            .filter(el => !el.closest('.select2-container'))
            .map(el => `${el.outerHTML.slice(0, 160)} in ${(el.parentElement.closest('[id], [class]') || el.parentElement).outerHTML.slice(0, 120)}`)"""
    )


def focused(page) -> dict:
    """What has the keyboard focus, and how it shows (for a select2 widget, whose
    focused input is off screen, the focus shows on its visible box)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body || el === document.documentElement) return {tag: 'body'};
            let shown = el;
            if (el.classList.contains('select2-focusser') || el.classList.contains('select2-input')) {
                const container = el.closest('.select2-container');
                shown = (container && (container.querySelector('.select2-choice, .select2-choices') || container)) || el;
            }
            const style = getComputedStyle(shown);
            const rect = shown.getBoundingClientRect();
            return {
                tag: el.tagName.toLowerCase(),
                name: el.getAttribute('name') || '',
                id: el.id || '',
                href: el.href || '',
                text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
                outlineStyle: style.outlineStyle,
                outlineWidth: style.outlineWidth,
                outlineColor: style.outlineColor,
                boxShadow: style.boxShadow,
                visibleBox: rect.width > 0 && rect.height > 0,
                focusVisible: el.matches(':focus-visible'),
                html: el.outerHTML.slice(0, 160),
            };
        }"""
    )


def focus_is_visible(info: dict) -> bool:
    outline = info.get("outlineStyle") not in (None, "", "none") and _px(info.get("outlineWidth")) > 0
    shadow = info.get("boxShadow") not in (None, "", "none")
    return outline or shadow


def _px(value) -> float:
    try:
        return float(str(value).replace("px", "") or 0)
    except ValueError:
        return 0.0


def tab_through(page, max_tabs: int = 120, until=None) -> list[dict]:
    """Press Tab from the top of a freshly loaded page, recording each focused element."""
    steps = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        info = focused(page)
        if info["tag"] == "body" and steps:
            break  # wrapped past the end of the page
        steps.append(info)
        if until and until(steps):
            break
    return steps


def money(amount: float) -> str:
    return f"{float(amount):,.2f}"
