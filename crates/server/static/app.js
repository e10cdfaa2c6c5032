// Safepath: small enhancements only; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // After a refused form, move focus to the list of problems so that a
  // screen reader announces it and the keyboard starts there.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // A slow link invites a second click: submit each form once.
  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "1") { event.preventDefault(); return; }
      form.dataset.sent = "1";
      window.setTimeout(function () { form.dataset.sent = ""; }, 8000);
    });
  });
});
