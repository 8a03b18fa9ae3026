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
    var row = select.closest("tr");
    var reason = row && row.querySelector("input[name$='-reason']");
    if (reason) {
      var needs = select.value === "waived" || select.value === "not_applicable";
      reason.required = needs;
      reason.placeholder = needs ? "Reason (required)" : "Reason";
    }
  });
  // "Select every open item you can complete" ticks that gate's open rows (one click, not one per item).
  document.querySelectorAll(".checklist .select-all").forEach(function (wrapper) {
    wrapper.hidden = false;
  });
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-gate]")) return;
    var gate = box.getAttribute("data-select-gate");
    document.querySelectorAll(".checklist input[name=selected][data-gate='" + gate + "']").forEach(function (item) {
      item.checked = box.checked;
    });
  });
  document.querySelectorAll(".checklist input[name$='-reason']").forEach(function (input) {
    input.placeholder = "Reason";
  });
  document.querySelectorAll(".checklist input[name$='-note']").forEach(function (input) {
    input.placeholder = "Note";
  });
})();
