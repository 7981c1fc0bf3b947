// People pickers' search fields (templates/people/_search.html; CSP: no inline script).
// They are shown only when this runs, since HTMX fills the select from what is typed; Enter
// in one searches instead of submitting the form around it (which would move customers).
(function () {
  "use strict";

  function reveal(root) {
    var fields = root.querySelectorAll ? root.querySelectorAll("input.people-search[hidden]") : [];
    Array.prototype.forEach.call(fields, function (field) { field.hidden = false; });
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key === "Enter" && field.classList && field.classList.contains("people-search")) {
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
  reveal(document);
})();
