// The department tree: drag a department onto another to move it under that one, or onto
// the "top level" strip. Dropping fills in and submits the department's own "move to" form,
// which works the same without JavaScript (and carries the CSRF token and version).
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  onReady(function () {
    var tree = document.getElementById("department-tree");
    if (!tree) return;
    var top = document.getElementById("drop-top");
    var dragged = null;
    tree.setAttribute("data-drag-ready", "true");

    function nodeOf(target) { return target && target.closest ? target.closest("li.dept") : null; }

    // A department cannot move under itself or anything below it.
    function allowed(target) { return dragged && target && !dragged.contains(target); }

    function clear() {
      Array.prototype.forEach.call(tree.querySelectorAll(".drop-target"), function (el) {
        el.classList.remove("drop-target");
      });
      if (top) top.classList.remove("drop-target");
    }

    function moveTo(parentId) {
      var form = tree.querySelector("form.move-form[data-id='" + dragged.getAttribute("data-id") + "']");
      if (!form) return;
      form.querySelector("select[name=parent_id]").value = parentId;
      dragged.classList.add("moving");
      form.requestSubmit();
    }

    tree.addEventListener("dragstart", function (event) {
      var handle = event.target.closest ? event.target.closest("summary[draggable=true]") : null;
      var node = nodeOf(handle);
      if (!node) return;
      dragged = node;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", node.getAttribute("data-id"));
      node.classList.add("dragging");
      if (top) top.hidden = false;
      event.stopPropagation();
    });

    tree.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      clear();
      if (top) top.hidden = true;
    });

    tree.addEventListener("dragover", function (event) {
      var node = nodeOf(event.target);
      if (!allowed(node)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      clear();
      node.querySelector(".dept-name").classList.add("drop-target");
    });

    tree.addEventListener("drop", function (event) {
      var node = nodeOf(event.target);
      if (!allowed(node)) return;
      event.preventDefault();
      clear();
      moveTo(node.getAttribute("data-id"));
    });

    if (top) {
      top.addEventListener("dragover", function (event) {
        if (!dragged) return;
        event.preventDefault();
        top.classList.add("drop-target");
      });
      top.addEventListener("dragleave", function () { top.classList.remove("drop-target"); });
      top.addEventListener("drop", function (event) {
        if (!dragged) return;
        event.preventDefault();
        moveTo("");
      });
    }
  });
})();
