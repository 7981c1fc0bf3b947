// The column chooser's up/down buttons (CSP: no inline script): move the row in place, keep
// the focus on the pressed button and say where the column went; "save" posts the ticked
// columns in the order shown. Without this file each button posts the move itself.
(function () {
  "use strict";

  function announce(item) {
    var status = document.getElementById("column-order-status");
    if (!status) return;
    var rows = Array.prototype.slice.call(item.parentNode.children);
    var name = item.querySelector("label").textContent.trim();
    status.textContent = status.getAttribute("data-template")
      .replace("{name}", name).replace("{n}", String(rows.indexOf(item) + 1));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.column-move") : null;
    if (!button) return;
    event.preventDefault();
    var item = button.closest("li");
    var up = button.value.indexOf("up:") === 0;
    var other = up ? item.previousElementSibling : item.nextElementSibling;
    if (!other) return;
    item.parentNode.insertBefore(up ? item : other, up ? other : item);
    button.focus();
    announce(item);
  });
})();
