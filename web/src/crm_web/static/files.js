// A customer's files: drag-and-drop or picked files are sent one XHR each (raw bytes, with
// the CSRF header) so every file shows its own progress; images open larger in a dialog.
(function () {
  "use strict";

  var pending = 0;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (error) {
      return "";
    }
  }

  function zone() {
    return document.getElementById("files-drop");
  }

  function refreshList() {
    var list = document.getElementById("files-list");
    if (!list || !window.htmx) return;
    window.htmx.ajax("GET", list.getAttribute("data-url"), { target: "#files-list", swap: "outerHTML" });
  }

  function row(file) {
    var item = document.createElement("li");
    item.className = "files-upload";
    item.setAttribute("data-state", "sending");
    var name = document.createElement("span");
    name.className = "files-upload-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var status = document.createElement("span");
    status.className = "files-upload-status";
    status.textContent = "0%";
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(status);
    document.getElementById("files-progress").appendChild(item);
    return { item: item, bar: bar, status: status };
  }

  function finish(shown, state, text) {
    shown.item.setAttribute("data-state", state);
    shown.status.textContent = text;
    pending -= 1;
    if (pending === 0) refreshList();
  }

  function upload(file, url) {
    var drop = zone();
    var shown = row(file);
    if (file.size > Number(drop.getAttribute("data-max-bytes"))) {
      pending += 1;
      finish(shown, "failed", drop.getAttribute("data-too-large"));
      return;
    }
    pending += 1;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url + "?name=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      var percent = Math.floor((event.loaded / event.total) * 100);
      // 100% is kept for when the file is stored and checked, not merely sent.
      shown.bar.value = Math.min(percent, 99);
      shown.status.textContent = shown.bar.value + "%";
    });
    xhr.upload.addEventListener("load", function () {
      shown.bar.value = 99;
      shown.status.textContent = drop.getAttribute("data-checking");
    });
    xhr.addEventListener("load", function () {
      var answer = {};
      try {
        answer = JSON.parse(xhr.responseText) || {};
      } catch (error) { /* not JSON: a sign-in page or an error page */ }
      if (xhr.status >= 200 && xhr.status < 300 && answer.id) {
        shown.bar.value = 100;
        finish(shown, "done", "100% · " + drop.getAttribute("data-done"));
        return;
      }
      if (xhr.responseURL && xhr.responseURL.indexOf("/sign-in") !== -1) {
        window.location.assign(xhr.responseURL);  // the session ended: sign in again
        return;
      }
      finish(shown, "failed", answer.message || drop.getAttribute("data-failed"));
    });
    xhr.addEventListener("error", function () {
      finish(shown, "failed", drop.getAttribute("data-failed"));
    });
    xhr.send(file);
  }

  function uploadAll(files, url) {
    for (var i = 0; i < files.length; i += 1) upload(files[i], url);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input.files-picker") || !zone()) return;
    uploadAll(input.files, input.getAttribute("data-upload-url") || zone().getAttribute("data-upload-url"));
    input.value = "";
  });

  function inZone(event) {
    return event.target.closest && event.target.closest("#files-drop");
  }

  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (!inZone(event)) return;
      event.preventDefault();
      zone().classList.add("files-drop-active");
    });
  });
  document.addEventListener("dragleave", function (event) {
    if (inZone(event)) zone().classList.remove("files-drop-active");
  });
  document.addEventListener("drop", function (event) {
    if (!inZone(event)) return;
    event.preventDefault();
    zone().classList.remove("files-drop-active");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      uploadAll(event.dataTransfer.files, zone().getAttribute("data-upload-url"));
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".files-viewer-close")) {
      document.getElementById("files-viewer").close();
      return;
    }
    var button = event.target.closest && event.target.closest(".files-zoom");
    if (!button) return;
    var viewer = document.getElementById("files-viewer");
    var image = document.getElementById("files-viewer-image");
    image.src = button.getAttribute("data-src");
    image.alt = button.getAttribute("aria-label");
    viewer.showModal();
  });
})();
