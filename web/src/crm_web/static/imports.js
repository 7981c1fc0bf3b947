// Import wizard: a drop zone for the file input (the input alone works without this file).
(function () {
  "use strict";

  function dropZone() {
    var zone = document.getElementById("drop-zone");
    var input = document.getElementById("import-file");
    var chosen = document.getElementById("chosen-file");
    if (!zone || !input) return;
    function show() {
      var file = input.files && input.files[0];
      chosen.textContent = file ? zone.getAttribute("data-chosen").replace("{name}", file.name) : "";
      zone.classList.toggle("has-file", !!file);
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "dragend"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) return;
      input.files = files;
      show();
    });
    input.addEventListener("change", show);
    show();
  }

  if (document.readyState !== "loading") dropZone();
  else document.addEventListener("DOMContentLoaded", dropZone);
})();
