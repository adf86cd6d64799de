// Polls an upload's status and moves the progress bar; when the ingest ends, reloads the page,
// which the server renders with the per-file counts. No text here: the page holds it.
(function () {
  "use strict";
  var job = document.getElementById("job");
  var bar = document.getElementById("job-progress");
  if (!job || !bar || job.dataset.state !== "running") { return; }
  function poll() {
    fetch(job.dataset.status, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        bar.value = s.progress;
        bar.textContent = Math.round(s.progress * 100) + "%";
        if (s.state === "running") { setTimeout(poll, 400); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 200);
})();
