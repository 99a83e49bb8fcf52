// Wide tables scroll sideways inside Material's wrapper; a keyboard user must be able to reach
// and scroll them (axe-core: scrollable-region-focusable). The theme adds the wrappers when the
// page renders, so this runs after it, on every page (document$ also fires on instant loading).
(function () {
  function focusable() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (el) {
      if (!el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("role", "region");
        var caption = el.querySelector("th");
        el.setAttribute("aria-label", caption ? caption.textContent.trim() : "table");
      }
    });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(focusable);
  } else {
    document.addEventListener("DOMContentLoaded", focusable);
  }
})();
