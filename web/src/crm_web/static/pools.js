// Public pools: "select all" and the count of picked customers for the bulk bar.
(function () {
  "use strict";

  function setUp() {
    var all = document.getElementById("pick-all");
    var label = document.getElementById("bulk-selected");
    if (!all || !label) return;
    var boxes = function () {
      return Array.prototype.slice.call(
        document.querySelectorAll("input[name=customer_ids][form=bulk-form]")
      );
    };
    var hint = label.textContent;
    function refresh() {
      var picked = boxes().filter(function (box) { return box.checked; }).length;
      label.textContent = picked ? label.getAttribute("data-template").replace("{n}", picked) : hint;
      all.checked = picked > 0 && picked === boxes().length;
    }
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      refresh();
    });
    document.addEventListener("change", function (event) {
      if (event.target.matches("input[name=customer_ids]")) refresh();
    });
    refresh();
  }

  if (document.readyState !== "loading") setUp();
  else document.addEventListener("DOMContentLoaded", setUp);
})();
