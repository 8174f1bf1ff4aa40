// Progressive enhancement. Every chart arrives drawn by the server (an SVG beside its data table), so a page paints
// without any charting script; the interactive view (Vega, ~830 KB) is fetched only when a reader reaches for a chart
// (pointer over it, focus inside it, a touch), then drawn in place of the server's drawing. A chart the server has
// not drawn yet is drawn by the browser at once, as before.
(function () {
  "use strict";
  var LIBRARY = ["/static/vendor/vega.min.js", "/static/vendor/vega-lite.min.js", "/static/vendor/vega-embed.min.js"];
  var REACH = ["pointerenter", "focusin", "touchstart"];
  var loading = null;

  // The three files download in parallel and run in order (async=false); one promise for the whole page.
  function library() {
    if (!loading) {
      loading = Promise.all(LIBRARY.map(function (src) {
        return new Promise(function (resolve, reject) {
          var script = document.createElement("script");
          script.src = src;
          script.async = false;
          script.onload = resolve;
          script.onerror = function () { reject(new Error("could not load " + src)); };
          document.head.appendChild(script);
        });
      }));
    }
    return loading;
  }

  function interactive(canvas) {
    if (canvas.hasAttribute("data-drawing")) { return; }
    canvas.setAttribute("data-drawing", "true");
    var source = document.getElementById(canvas.getAttribute("data-spec-id"));
    if (!source) { return; }
    var spec;
    try { spec = JSON.parse(source.textContent); } catch (error) { return; }
    library().then(function () {
      var drawn = canvas.firstElementChild;
      // Drawn out of sight over the server's drawing, at the canvas' width, then swapped: the page does not jump.
      var view = document.createElement("div");
      view.className = "chart-view";
      if (drawn) { view.classList.add("chart-view-pending"); }
      canvas.appendChild(view);
      // No vega-embed action menu: it nests a link inside <summary> (axe: nested-interactive); the page offers
      // plain download links (CSV, metadata, SVG, PNG) under every chart instead.
      return window.vegaEmbed(view, spec, { actions: false, renderer: "svg" }).then(function () {
        if (drawn && drawn !== view) { canvas.removeChild(drawn); }
        view.classList.remove("chart-view-pending");
        canvas.setAttribute("data-rendered", "interactive");
      });
    }).catch(function (error) {
      canvas.removeAttribute("data-drawing");  // the server's drawing stays; a later reach tries again
      canvas.setAttribute("data-error", String(error));
    });
  }

  function charts() {
    document.querySelectorAll("[data-spec-id]").forEach(function (canvas) {
      if (canvas.getAttribute("data-rendered") !== "static") {
        interactive(canvas);  // no server drawing yet
        return;
      }
      var figure = canvas.closest("figure") || canvas;
      var reach = function () {
        REACH.forEach(function (name) { figure.removeEventListener(name, reach); });
        interactive(canvas);
      };
      REACH.forEach(function (name) { figure.addEventListener(name, reach, { passive: true }); });
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
    charts();
    focusableScrollers();
    document.querySelectorAll("details").forEach(function (details) {
      details.addEventListener("toggle", focusableScrollers);
    });
    window.addEventListener("resize", focusableScrollers);
  });
})();

// Parts of a page made after its first paint (a corridor's profile sections): fetched once the page is shown, put in
// place of their placeholder, and the datasets they cite added to the page's sources.
(function () {
  function load(holder) {
    fetch(holder.getAttribute("data-fragment"), { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.text();
    }).then(function (html) {
      var parsed = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
      var cited = parsed.querySelector("[data-fragment-sources]");
      var list = document.querySelector("footer ul.sources");
      if (cited) {
        cited.parentNode.removeChild(cited);
        if (list) {
          var known = {};
          list.querySelectorAll('a[href^="/sources#"]').forEach(function (a) { known[a.getAttribute("href")] = true; });
          Array.prototype.slice.call(cited.children).forEach(function (item) {
            var dataset = item.querySelector('a[href^="/sources#"]');
            if (!dataset || !known[dataset.getAttribute("href")]) { list.appendChild(document.importNode(item, true)); }
          });
        }
      }
      var nodes = Array.prototype.slice.call(parsed.body.childNodes);
      nodes.forEach(function (node) { holder.parentNode.insertBefore(document.importNode(node, true), holder); });
      holder.parentNode.removeChild(holder);
    }).catch(function () {
      holder.removeAttribute("aria-busy");  // the link to the full profile stays
    });
  }
  function fragments() {
    document.querySelectorAll("[data-fragment]").forEach(load);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fragments);
  } else {
    fragments();
  }
})();
