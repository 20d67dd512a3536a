// Remember the browser's time zone so pages before login use it (the sign-up form's preset is
// js/timezone.js).
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  document.cookie = "tz=" + encodeURIComponent(zone) + ";path=/;max-age=31536000;SameSite=Lax";
})();

// <form data-confirm="Question?">: ask before submitting (instead of an inline onsubmit=,
// which our CSP refuses).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// A table wider than its box scrolls inside it: a keyboard user must be able to reach and
// scroll it (WCAG 2.1.1), so a box that overflows becomes a named, focusable region; one that
// fits stays out of the tab order.
(function () {
  function label(box) {
    var caption = box.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    for (var node = box.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) { return node.textContent.trim(); }
    }
    var section = box.closest("section, article");
    var heading = section && section.querySelector("h1, h2, h3, h4, h5, h6");
    return heading ? heading.textContent.trim() : "";
  }
  function update() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        var name = label(box);
        if (name && !box.hasAttribute("aria-label")) { box.setAttribute("aria-label", name); }
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    });
  }
  update();
  window.addEventListener("resize", update);
  document.addEventListener("htmx:afterSettle", update);
})();
