/* 长辈模式: large text and high contrast that the reader switches on with a button and that
   stays on across the pages of this origin (localStorage; the site and the form service
   may be on different origins, and each remembers it for itself). Loaded in <head> so the
   class is on <html> before the page paints. Without JavaScript (or storage) the button
   stays hidden and the pages read at their normal size.
   The form service ships a copy of this file (form_service/static/elder-mode.js); a test
   keeps the two identical. */
(function () {
  "use strict";
  var KEY = "pingan-elder-mode";
  var root = document.documentElement;
  function stored() {
    try { return window.localStorage.getItem(KEY) === "on"; } catch (error) { return null; }
  }
  function remember(on) {
    try {
      if (on) { window.localStorage.setItem(KEY, "on"); } else { window.localStorage.removeItem(KEY); }
    } catch (error) { /* Storage refused: the mode holds for this page only. */ }
  }
  if (stored()) { root.classList.add("pingan-elder"); }
  function setUp() {
    if (stored() === null) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-elder-toggle]"), function (button) {
      button.setAttribute("aria-pressed", root.classList.contains("pingan-elder") ? "true" : "false");
      button.hidden = false;
      button.addEventListener("click", function () {
        var on = !root.classList.contains("pingan-elder");
        root.classList.toggle("pingan-elder", on);
        remember(on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
