// Starts Swagger UI on /api/docs/ (no inline script: the page's CSP allows only our files).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    deepLinking: true,
    persistAuthorization: false,
    // Swagger UI's own validator badge calls validator.swagger.io: the page works offline.
    validatorUrl: null,
  });
})();
