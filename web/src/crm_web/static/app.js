// The little the pages need beyond HTMX. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // Filter builder: add a condition row (a copy of the last, value cleared), remove one.
  function filterBuilder() {
    var add = document.getElementById("add-condition");
    if (!add) return;
    var rows = document.querySelector("#filter-builder .filter-rows");
    add.addEventListener("click", function () {
      var last = rows.querySelector(".filter-row:last-child");
      var copy = last.cloneNode(true);
      copy.querySelector("input[name=v]").value = "";
      rows.appendChild(copy);
      copy.querySelector("select").focus();
    });
    rows.addEventListener("click", function (event) {
      var button = event.target.closest(".remove-row");
      if (!button) return;
      var row = button.closest(".filter-row");
      if (rows.querySelectorAll(".filter-row").length > 1) row.remove();
      else row.querySelector("input[name=v]").value = "";
    });
  }

  // Typeahead: arrow keys move through the suggestions, Escape or a click elsewhere closes them.
  function typeahead() {
    var input = document.getElementById("header-search");
    var box = document.getElementById("suggest");
    if (!input || !box) return;
    function links() { return Array.prototype.slice.call(box.querySelectorAll("a")); }
    function close() { box.innerHTML = ""; }
    input.addEventListener("keydown", function (event) {
      var items = links();
      if (event.key === "Escape") { close(); return; }
      if (event.key === "ArrowDown" && items.length) { event.preventDefault(); items[0].focus(); }
    });
    box.addEventListener("keydown", function (event) {
      var items = links();
      var at = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && at < items.length - 1) { event.preventDefault(); items[at + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? items[at - 1] : input).focus(); }
      if (event.key === "Escape") { close(); input.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest(".search")) close();
    });
  }

  onReady(function () {
    filterBuilder();
    typeahead();
  });
})();
