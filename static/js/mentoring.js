// Remember the browser's time zone so pages before login (and the sign-up form) use it.
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  document.cookie = "tz=" + encodeURIComponent(zone) + ";path=/;max-age=31536000;SameSite=Lax";
  var field = document.querySelector("select[name=time_zone][data-detect-zone]");
  if (field && !field.dataset.touched && field.querySelector('option[value="' + zone + '"]')) {
    field.value = zone;
  }
})();

// <form data-confirm="Question?">: ask before submitting (instead of an inline onsubmit=,
// which our CSP refuses).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
