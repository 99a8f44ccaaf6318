// Small behaviours shared by every page. The pages work without this file.
(function () {
  "use strict";
  // On a phone the navigation folds behind a Menu button; without this script it simply stays open.
  document.documentElement.classList.add("js");
  // A timeline link to an email opens that email's folded text.
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    var details = target && target.querySelector("details");
    if (details) details.open = true;
  }
  window.addEventListener("hashchange", openTarget);
  document.addEventListener("DOMContentLoaded", openTarget);
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".nav-toggle");
    if (!toggle) return;
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    document.getElementById(toggle.getAttribute("aria-controls")).classList.toggle("open", open);
  });
  // Show a readable message when an HTMX request fails instead of silently doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var toast = document.getElementById("htmx-error");
    if (!toast) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    toast.textContent = status === 403 ? "You are not allowed to do that." :
      status === 429 ? "Too many requests; wait a moment and try again." :
      "Something went wrong (" + status + "). Your change was not saved; please retry.";
    toast.hidden = false;
    setTimeout(function () { toast.hidden = true; }, 6000);
  });
  document.addEventListener("htmx:sendError", function () {
    var toast = document.getElementById("htmx-error");
    if (!toast) return;
    toast.textContent = "The server could not be reached. Check your connection and retry.";
    toast.hidden = false;
  });
})();
