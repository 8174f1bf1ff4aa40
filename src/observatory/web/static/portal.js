// Progressive enhancement: draw each chart from its embedded Vega-Lite spec; the data tables stay for everyone.
(function () {
  "use strict";
  function draw() {
    if (typeof window.vegaEmbed !== "function") { return; }
    document.querySelectorAll("[data-spec-id]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-spec-id"));
      if (!source) { return; }
      var spec;
      try { spec = JSON.parse(source.textContent); } catch (error) { return; }
      // No vega-embed action menu: it nests a link inside <summary> (axe: nested-interactive); the page offers
      // plain download links (CSV, metadata, SVG, PNG) under every chart instead.
      window.vegaEmbed(canvas, spec, { actions: false, renderer: "svg" })
        .then(function () { canvas.setAttribute("data-rendered", "true"); })
        .catch(function (error) { canvas.setAttribute("data-error", String(error)); });
    });
  }
  // A table wider than the screen scrolls sideways: keyboard users reach it with Tab and scroll with the arrows.
  function focusableScrollers() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        var caption = wrap.querySelector("caption");
        var heading = wrap.closest("section") && wrap.closest("section").querySelector("h2");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", "Table: " + ((caption || heading || {}).textContent || "data").trim());
      } else if (!scrolls && wrap.getAttribute("tabindex") === "0") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    draw();
    focusableScrollers();
    document.querySelectorAll("details").forEach(function (details) {
      details.addEventListener("toggle", focusableScrollers);
    });
    window.addEventListener("resize", focusableScrollers);
  });
})();
