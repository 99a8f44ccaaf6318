// The Assistant panel: Alt+K (or the top bar's link) opens it beside any page; answers stream in as server-sent
// events. Without this file the link opens the assistant's own page, which works without JavaScript.
(function () {
  "use strict";
  function panel() { return document.getElementById("assistant-panel"); }
  function toggleLink() { return document.querySelector(".assistant-toggle"); }
  function setOpen(open) {
    var element = panel(), link = toggleLink();
    if (!element || !link) return;
    element.hidden = !open;
    link.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var question = element.querySelector("textarea");
      if (question) question.focus();
    } else {
      link.focus();
    }
  }
  function open() {
    var element = panel();
    if (!element) return;
    if (element.hidden && window.htmx) {
      window.htmx.ajax("GET", toggleLink().getAttribute("hx-get"), {target: "#assistant-panel-content"}).then(function () {
        setOpen(true);
      });
    } else {
      setOpen(element.hidden);
    }
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey && (event.key === "k" || event.key === "K" || event.code === "KeyK")) {
      event.preventDefault();
      open();
    } else if (event.key === "Escape" && panel() && !panel().hidden) {
      setOpen(false);
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".assistant-toggle");
    if (link && window.htmx) {
      event.preventDefault();
      event.stopPropagation();
      open();
      return;
    }
    if (event.target.closest && event.target.closest(".assistant-close")) setOpen(false);
  }, true);
  // Ask the question in the textarea with Enter (Shift+Enter starts a new line).
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && event.target.id === "assistant-question") {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });
  // A pending answer opens its stream: each tool run and each piece of text as it is written, then the answer.
  function follow(root) {
    (root || document).querySelectorAll("[data-stream]").forEach(function (box) {
      if (box.dataset.following) return;
      box.dataset.following = "yes";
      var source = new EventSource(box.dataset.stream);
      var steps = box.querySelector(".assistant-steps"), written = box.querySelector(".assistant-written");
      source.addEventListener("tool", function (event) {
        var data = JSON.parse(event.data);
        steps.textContent = "Looked up: " + data.name.replace(/^propose_/, "").replace(/_/g, " ");
      });
      source.addEventListener("text", function (event) {
        written.textContent += JSON.parse(event.data);
      });
      source.addEventListener("done", function (event) {
        source.close();
        var holder = document.createElement("div");
        holder.innerHTML = JSON.parse(event.data);
        var message = box.closest(".assistant-message");
        var replacement = holder.firstElementChild;
        message.replaceWith(replacement);
        if (window.htmx) window.htmx.process(replacement);
      });
      source.onerror = function () {
        source.close();
        steps.innerHTML = "";
        var link = document.createElement("a");
        link.href = box.dataset.final;
        link.textContent = "The answer stopped coming; show what was written";
        steps.appendChild(link);
      };
    });
  }
  document.addEventListener("DOMContentLoaded", function () { follow(); });
  document.addEventListener("htmx:afterSettle", function (event) { follow(event.target); });
})();
