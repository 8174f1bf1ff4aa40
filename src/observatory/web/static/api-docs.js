// Swagger UI from the vendored bundle (no CDN), reading the OpenAPI description named on the page.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("swagger-ui");
    if (!root || typeof window.SwaggerUIBundle !== "function") { return; }
    window.SwaggerUIBundle({
      url: root.getAttribute("data-openapi-url"),
      domNode: root,
      deepLinking: false,  // with deep links the path is a link nested in the operation button (axe: nested-interactive)
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      onComplete: function () { root.setAttribute("data-rendered", "true"); }
    });
  });
})();
