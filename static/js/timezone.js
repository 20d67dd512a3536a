// Sign-up: preset the time zone from the browser. The server marks the select only on a
// fresh form, so after a form error the zone the person chose stays chosen.
(function () {
  var field = document.querySelector("select[data-browser-zone]");
  var zone;
  if (!field) { return; }
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  var known = Array.prototype.some.call(field.options, function (option) {
    return option.value === zone;
  });
  if (!known) {
    // An older name for a listed zone (Chrome says "Asia/Calcutta"): the server accepts it
    // and stores the zone it stands for.
    field.add(new Option(zone, zone));
  }
  field.value = zone;
})();
