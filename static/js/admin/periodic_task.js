// The periodic task change form (templates/admin/djcelery/change_periodictask_form.html):
// under the crontab field, say the chosen schedule in words. django-celery-beat does this in
// an inline script, which our CSP refuses.
(function ($) {
  var script = document.getElementById("periodic-task-overrides");
  var source = document.getElementById("readable-crontabs");
  if (!$ || !script || !source) { return; }
  var readableCrontabs = JSON.parse(source.textContent);
  var originalHelp = script.dataset.crontabHelp || "";
  var label = script.dataset.translationLabel || "Translation:";

  function updateCrontabHelp(additional) {
    var help = $(".field-crontab .help");
    help.text(originalHelp);
    if (additional) {
      help.append("<br>", document.createTextNode(label + " " + additional));
    }
  }

  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    updateCrontabHelp(readableCrontabs[$("#id_crontab").val()]);
  });
})(window.django && window.django.jQuery);
