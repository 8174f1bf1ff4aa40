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
      window.vegaEmbed(canvas, spec, { actions: { export: true, source: false, compiled: false, editor: false }, renderer: "svg" })
        .then(function () { canvas.setAttribute("data-rendered", "true"); })
        .catch(function (error) { canvas.setAttribute("data-error", String(error)); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
