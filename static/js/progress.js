// Sinau: keeps an announcement's progress bar live by polling its counts.
(function () {
  var box = document.getElementById("progress");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var bar = document.getElementById("progress-bar");
  function set(id, v) { document.getElementById(id).textContent = String(v); }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) {
        if (!c) { return; }
        bar.max = Math.max(c.total, 1);
        bar.value = c.sent;
        set("progress-pending", c.pending);
        set("progress-sent", c.sent);
        set("progress-failed", c.failed);
        if (c.pending > 0) { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
