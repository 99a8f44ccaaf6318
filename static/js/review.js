// Review queue keyboard shortcuts: j/k move, a approve, e edit, x tick, o open. The page works without it.
(function () {
  "use strict";
  function items() { return Array.prototype.slice.call(document.querySelectorAll(".review-item")); }
  function current() { return document.querySelector(".review-item.focused"); }
  function focusItem(item) {
    if (!item) return;
    items().forEach(function (other) { other.classList.remove("focused"); });
    item.classList.add("focused");
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    var all = items();
    if (!all.length) return;
    var index = all.indexOf(current());
    focusItem(all[Math.max(0, Math.min(all.length - 1, index + step))] || all[0]);
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    var item = current();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a":
        if (item) { var approve = item.querySelector("button.approve:not([disabled])"); if (approve) approve.click(); }
        break;
      case "e":
        if (item) {
          var details = item.querySelector("details.edit");
          if (details) { details.open = true; var subject = details.querySelector("input[name=subject]"); if (subject) subject.focus(); }
        }
        break;
      case "x":
        if (item) { var box = item.querySelector("input[type=checkbox]:not([disabled])"); if (box) box.checked = !box.checked; }
        break;
      case "o":
        if (item) { var link = item.querySelector("a.lead-link"); if (link) window.location = link.href; }
        break;
      default: return;
    }
    event.preventDefault();
  });
  // After an inline approve/reject swaps a row, keep the focus on that row for the next keystroke.
  document.addEventListener("htmx:afterSwap", function (event) {
    var swapped = event.detail.target && event.detail.target.id && document.getElementById(event.detail.target.id);
    if (swapped && swapped.classList.contains("review-item")) { focusItem(swapped); }
  });
  document.addEventListener("DOMContentLoaded", function () { var first = items()[0]; if (first) first.classList.add("focused"); });
})();
