/* The unit directory's filter: typing part of a unit's name hides the units that do not
   match (a unit stays visible while one below it matches). Unit pages are kept out of the
   site search, so the directory finds units itself, in the page, without a server. The
   box is hidden in the HTML and shown here: without JavaScript the whole list reads as it
   is. Acts only on pages with a [data-filter-for] box. */
(function () {
  "use strict";
  function normalise(text) {
    return (text || "").replace(/\s+/g, "").toLowerCase();
  }
  function number(value) {
    return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function setUp(box) {
    var target = document.getElementById(box.getAttribute("data-filter-for"));
    var input = box.querySelector("input");
    var count = box.querySelector("[data-filter-count]");
    if (!target || !input) { return; }
    var items = Array.prototype.slice.call(target.querySelectorAll("li, tbody tr"));
    function name(item) {
      var link = item.querySelector("a");
      return normalise(link ? link.textContent : item.textContent);
    }
    function apply() {
      var query = normalise(input.value);
      var found = 0;
      // Deepest first, so that a unit knows whether one below it is shown.
      items.slice().reverse().forEach(function (item) {
        var matches = !query || name(item).indexOf(query) !== -1;
        if (matches && query) { found += 1; }
        var below = Array.prototype.some.call(item.querySelectorAll("li"), function (child) {
          return !child.hidden;
        });
        item.hidden = !(matches || below);
      });
      if (!query) {
        count.textContent = "";
      } else if (found) {
        count.textContent = "找到 " + number(found) + " 个名称含“" + input.value.trim() + "”的单位。";
      } else {
        count.textContent = "没有名称含“" + input.value.trim() + "”的单位。";
      }
    }
    input.addEventListener("input", apply);
    box.hidden = false;
    if (input.value) { apply(); }
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-filter-for]"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
