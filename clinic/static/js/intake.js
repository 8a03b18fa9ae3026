// Intake form helpers: focus the error summary, and warn before the session clears the answers.
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  var box = document.getElementById("session-timeout");
  if (!box) {
    return;
  }
  var warnAfter = parseInt(box.getAttribute("data-warn-after"), 10) * 1000;
  var expireAfter = parseInt(box.getAttribute("data-expire-after"), 10) * 1000;
  var url = box.getAttribute("data-keepalive-url");
  var message = box.querySelector("[data-timeout-message]");
  // The words shown once the answers are cleared are in the page (so they are translated).
  var expired = box.querySelector("[data-timeout-expired]");
  var button = box.querySelector("[data-keepalive]");
  var saveLater = box.querySelector("[data-save-later]");
  var warnTimer = null;
  var expireTimer = null;

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(expireTimer);
    warnTimer = window.setTimeout(function () {
      box.hidden = false;
      button.focus();
    }, warnAfter);
    expireTimer = window.setTimeout(function () {
      message.textContent = expired.textContent.replace(/\s+/g, " ").trim();
      button.hidden = true;
      if (saveLater) {
        saveLater.hidden = true;
      }
    }, expireAfter);
  }

  button.addEventListener("click", function () {
    fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (response.ok) {
        box.hidden = true;
        schedule();
      }
    });
  });

  schedule();
})();
