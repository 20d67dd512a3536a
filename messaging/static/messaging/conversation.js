// A conversation opens at its newest message (the bottom), and stays there as new ones
// arrive while the reader is at the bottom.
(function () {
  var list = document.getElementById("message-list");
  if (!list) { return; }
  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
  }
  if (!window.location.hash) {
    var shown = list.querySelectorAll("li[id^='m']");
    if (shown.length) { shown[shown.length - 1].scrollIntoView({block: "end"}); }
  }
  var follow = true;
  document.body.addEventListener("htmx:beforeSwap", function () { follow = nearBottom(); });
  document.body.addEventListener("htmx:afterSwap", function () {
    var form = document.getElementById("message-form");
    if (follow && form) { form.scrollIntoView({block: "end"}); }
  });
})();
