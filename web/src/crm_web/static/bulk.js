// Bulk actions on the customer list and contact editing on the detail page (CSP: no inline
// script). The list: ticking rows shows the action bar; "select all" ticks this page's rows;
// "export selected" posts the ticked ids to the export form.
(function () {
  "use strict";

  function picks() {
    return Array.prototype.slice.call(document.querySelectorAll("input.bulk-pick"));
  }

  function refresh() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var all = picks();
    var chosen = all.filter(function (box) { return box.checked; });
    var count = document.getElementById("bulk-count");
    count.textContent = chosen.length ? count.getAttribute("data-template").replace("{count}", chosen.length) : "";
    document.getElementById("bulk-actions").hidden = chosen.length === 0;
    var every = document.getElementById("bulk-all");
    every.checked = all.length > 0 && chosen.length === all.length;
    every.indeterminate = chosen.length > 0 && chosen.length < all.length;
    form.classList.toggle("active", chosen.length > 0);
  }

  function exportChosen() {
    var target = document.getElementById("bulk-export-form");
    Array.prototype.slice.call(target.querySelectorAll("input[name=ids]")).forEach(function (old) {
      old.remove();
    });
    picks().filter(function (box) { return box.checked; }).forEach(function (box) {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = "ids";
      field.value = box.value;
      target.appendChild(field);
    });
    target.submit();
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.id === "bulk-all") {
      picks().forEach(function (pick) { pick.checked = box.checked; });
    }
    if (box.id === "bulk-all" || box.classList.contains("bulk-pick")) refresh();
  });

  document.addEventListener("click", function (event) {
    if (event.target.id === "bulk-export") exportChosen();
    // Contacts: "Add contact" shows its form (closed only once this script runs).
    var opener = event.target.closest("[data-opens]");
    if (opener) {
      var form = document.getElementById(opener.getAttribute("data-opens"));
      var open = form.classList.toggle("js-closed") === false;
      opener.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { var first = form.querySelector("input:not([type=hidden])"); if (first) first.focus(); }
    }
  });
  document.documentElement.classList.add("bulk-js");

  // The table is reloaded after an action: its boxes come back unticked.
  document.addEventListener("htmx:afterSettle", refresh);

  if (document.readyState !== "loading") refresh();
  else document.addEventListener("DOMContentLoaded", refresh);
})();
