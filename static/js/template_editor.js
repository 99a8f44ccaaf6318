// The template editor's merge-field picker: a button puts its {{field}} token where the cursor is in the body
// (or at its end) and lets the live preview know the body changed.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-insert]");
    if (!button) return;
    var picker = button.closest(".merge-picker");
    var field = document.getElementById(picker.getAttribute("data-target"));
    if (!field) return;
    var token = button.getAttribute("data-insert");
    var start = field.selectionStart === undefined ? field.value.length : field.selectionStart;
    var end = field.selectionEnd === undefined ? start : field.selectionEnd;
    field.value = field.value.slice(0, start) + token + field.value.slice(end);
    field.focus();
    field.selectionStart = field.selectionEnd = start + token.length;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
