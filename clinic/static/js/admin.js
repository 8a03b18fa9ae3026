// Staff admin helpers (loaded from our own origin; the CSP allows no inline scripts).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  // A checklist row asks for a reason only when waiving or marking not applicable.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches(".checklist select")) return;
    var reason = select.form && select.form.querySelector("input[name$='-reason']");
    if (reason) {
      var needs = select.value === "waived" || select.value === "not_applicable";
      reason.required = needs;
      reason.placeholder = needs ? "Reason (required)" : "Reason";
    }
  });
  document.querySelectorAll(".checklist input[name$='-reason']").forEach(function (input) {
    input.placeholder = "Reason";
  });
  document.querySelectorAll(".checklist input[name$='-note']").forEach(function (input) {
    input.placeholder = "Note";
  });
})();
