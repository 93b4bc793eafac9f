// Progressive enhancement only: every page works without script. Here the
// chain verification streams its progress (the server answers NDJSON when
// asked) instead of showing the result only at the end.
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  if (!form || !window.fetch || !window.TextDecoder) { return; }
  form.addEventListener("submit", function (ev) {
    if (ev.submitter && ev.submitter.id !== "verify") { return; }
    ev.preventDefault();
    var box = document.getElementById("verify-progress");
    var bar = document.getElementById("verify-bar");
    var count = document.getElementById("verify-count");
    var summary = document.getElementById("verify-summary");
    var tbody = document.querySelector("#broken tbody");
    var msgs = document.getElementById("verify-messages");
    var button = document.getElementById("verify");
    box.hidden = false; bar.value = 0; bar.max = 1; count.textContent = ""; summary.textContent = ""; summary.className = "";
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    button.disabled = true;
    var handle = function (e) {
      if (e.kind === "progress") {
        bar.max = Math.max(e.total || 1, 1); bar.value = e.checked || 0;
        count.textContent = (msgs.dataset.checked || "") + " " + (e.checked || 0) + " / " + (e.total || 0);
      } else if (e.kind === "broken") {
        var tr = document.createElement("tr");
        var th = document.createElement("th"); th.scope = "row";
        var a = document.createElement("a"); a.href = e.broken.link; a.textContent = e.broken.dossier_code; th.appendChild(a); tr.appendChild(th);
        [String(e.broken.sequence), e.broken.problem, e.broken.detail].forEach(function (t) { var td = document.createElement("td"); td.textContent = t; tr.appendChild(td); });
        tbody.appendChild(tr);
      } else if (e.kind === "summary") {
        bar.max = Math.max(e.summary.checked, 1); bar.value = e.summary.checked;
        summary.textContent = e.summary.text; summary.className = e.summary.intact ? "ok" : "bad";
      } else if (e.kind === "error") {
        summary.textContent = e.error; summary.className = "bad";
      }
    };
    fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), headers: { "Accept": "application/x-ndjson" }, credentials: "same-origin" })
      .then(function (resp) {
        if (!resp.ok || !resp.body) { throw new Error(resp.status + " " + resp.statusText); }
        var reader = resp.body.getReader(); var dec = new TextDecoder(); var buf = "";
        var pump = function () {
          return reader.read().then(function (r) {
            buf += dec.decode(r.value || new Uint8Array(), { stream: !r.done });
            var lines = buf.split("\n"); buf = lines.pop();
            lines.forEach(function (l) { if (l.trim()) { handle(JSON.parse(l)); } });
            if (!r.done) { return pump(); }
          });
        };
        return pump();
      })
      .catch(function (err) { summary.textContent = String(err); summary.className = "bad"; })
      .then(function () { button.disabled = false; });
  });
})();
