// "Add another time" on the application form: a new availability row from the formset's
// empty form (our CSP allows no inline scripts, so this lives here).
(function () {
  var button = document.getElementById("add-window");
  var total = document.getElementById("id_form-TOTAL_FORMS");
  var template = document.getElementById("availability-template");
  if (!button || !total || !template) { return; }
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, index);
    document.getElementById("availability-rows").insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    var rows = document.querySelectorAll(".availability-row");
    rows[rows.length - 1].querySelector("select").focus();
  });
})();
