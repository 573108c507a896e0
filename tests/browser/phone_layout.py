"""What "reads on a phone" means, measured in the page a Selenium driver shows.

``problems(browser, width, targets, text)`` returns, in words, everything that would make a
reader scroll sideways or squint: a page or table wider than the viewport, a table cell wrapped
to one or two characters a line, and at phone width touch targets under 44 × 44 px and body
text under 16 px (GB/T 37668-2019 and the national 适老化 rules).
"""

from __future__ import annotations

#: Measures the open page; returns a list of problems in words (empty when it reads well).
MEASURE = """
const [phone, targets, bodyText] = arguments;
const problems = [];
const width = window.innerWidth;
const name = (el) => {
  const classes = typeof el.className === "string" ? el.className.trim() : "";
  return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (classes ? "." + classes.split(/\\s+/).join(".") : "");
};
const words = (el) => (el.textContent || el.value || "").trim().slice(0, 12);
const shown = (el) => {
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  // Off-screen to the left is how the form hides its honeypot field from people.
  return r.width > 1 && r.height > 1 && r.right > 0 && style.visibility !== "hidden";
};
const page = document.documentElement.scrollWidth;
if (page > width + 1) {
  const wide = [...document.querySelectorAll("body *")].filter(
    (el) => el.scrollWidth > width + 1);
  const what = wide.slice(-3).map(name).join(", ");
  problems.push(`page is ${page} px wide in a ${width} px viewport (${what})`);
}
for (const table of document.querySelectorAll("table")) {
  if (!shown(table)) continue;
  const r = table.getBoundingClientRect();
  const room = table.parentElement.clientWidth;
  if (r.right > width + 1) problems.push(`${name(table)} ends at ${Math.round(r.right)} px`);
  if (table.scrollWidth > room + 1) {
    problems.push(`${name(table)} is ${table.scrollWidth} px wide in ${room} px`);
  }
  for (const cell of table.querySelectorAll("td, th")) {
    const text = cell.textContent.replace(/\\s+/g, "");
    if (!text || !shown(cell)) continue;
    const head = cell.closest("thead");
    if (head && head.getBoundingClientRect().width <= 1) continue;  // visually hidden header
    const range = document.createRange();
    range.selectNodeContents(cell);
    // Boxes that overlap vertically share a line (a badge sits higher than the text).
    const boxes = [...range.getClientRects()].filter((b) => b.width > 0);
    boxes.sort((a, b) => a.top - b.top);
    let lines = 0;
    let bottom = -Infinity;
    for (const box of boxes) {
      if (box.top >= bottom - 1) { lines += 1; bottom = box.bottom; }
      else bottom = Math.max(bottom, box.bottom);
    }
    if (lines > 1 && text.length / lines < 3) {
      problems.push(`${name(cell)} «${text.slice(0, 12)}» wraps into ${lines} lines`);
    }
  }
}
if (phone) {
  for (const el of document.querySelectorAll(targets)) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 43.5 || r.height < 43.5) {
      const size = `${Math.round(r.width)}×${Math.round(r.height)}`;
      problems.push(`touch target ${name(el)} «${words(el)}» is ${size} px`);
    }
  }
  for (const el of document.querySelectorAll(bodyText)) {
    if (!shown(el) || !el.textContent.trim()) continue;
    if (el.closest(".pingan-badge, code, .visually-hidden, .md-banner")) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 15.9) problems.push(`${name(el)} «${words(el)}» is set in ${size} px`);
  }
}
return problems.slice(0, 30);
"""

SITE_TARGETS = (
    ".md-header__button, .md-button, .pingan-service-links a, .pingan-pager a, "
    ".pingan-elder-toggle, .md-content input:not([type=hidden]), .md-content button, "
    ".md-content select"
)
SITE_TEXT = ".md-content :is(p, li, td, th, dd, dt, label)"
SERVICE_TARGETS = (
    ".masthead nav a, .masthead button, .logout a, .pager a, "
    "main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select, "
    "main textarea, main button, main .choice"
)
SERVICE_TEXT = "main :is(p, li, td, th, dd, dt, label)"


def at_width(browser, width: int) -> None:
    """Emulate a phone (mobile viewport rules) or a desk of this CSS width."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def problems(browser, width: int, targets: str, text: str) -> list[str]:
    """Problems of the page open now, which was loaded at ``width`` (see ``at_width``)."""
    return browser.execute_script(MEASURE, width < 600, targets, text)
