// Sinau door check-in: scans tickets with the camera (html5-qrcode) or
// finds people by name, and posts each check-in to the server. One small
// form post per arrival keeps up on a slow phone.
(function () {
  var box = document.getElementById("checkin");
  if (!box) { return; }
  var url = box.getAttribute("data-url");
  var searchURL = box.getAttribute("data-search");
  var csrf = box.getAttribute("data-csrf");
  var result = document.getElementById("checkin-result");
  var last = "", lastAt = 0, busy = false;

  function show(status, message) {
    result.textContent = message;
    result.className = "checkin-result " + status;
  }
  function post(fields) {
    if (busy) { return; }
    busy = true;
    var body = new URLSearchParams(fields);
    body.set("_csrf", csrf);
    fetch(url, { method: "POST", credentials: "same-origin", body: body, headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        show(j.status, j.message);
        if (j.checked_in !== undefined) {
          document.getElementById("checked-in").textContent = j.checked_in;
          document.getElementById("registered").textContent = j.registered;
        }
      })
      .catch(function () { show("error", "…"); })
      .finally(function () { busy = false; });
  }
  function onScan(text) {
    var now = Date.now();
    if (text === last && now - lastAt < 3000) { return; }
    last = text; lastAt = now;
    post({ token: text });
  }
  // One button starts and stops the camera; a camera that fails to start
  // (no permission, no device) can be tried again.
  var cam = document.getElementById("start-camera");
  var scanner = null;
  cam.addEventListener("click", function () {
    cam.disabled = true;
    if (scanner) {
      var running = scanner;
      scanner = null;
      running.stop().catch(function () {}).finally(function () {
        running.clear();
        cam.textContent = cam.getAttribute("data-start");
        cam.disabled = false;
      });
      return;
    }
    scanner = new Html5Qrcode("reader");
    scanner.start({ facingMode: "environment" }, { fps: 10, qrbox: 220 }, onScan, function () {})
      .then(function () { cam.textContent = cam.getAttribute("data-stop"); })
      .catch(function (e) {
        scanner = null;
        show("error", box.getAttribute("data-camera-failed") + " (" + String(e) + ")");
      })
      .finally(function () { cam.disabled = false; });
  });
  var q = document.getElementById("checkin-q");
  var hits = document.getElementById("checkin-hits");
  var tpl = document.getElementById("hit-template");
  var timer;
  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(searchURL + "?q=" + encodeURIComponent(q.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (list) {
          hits.textContent = "";
          list.forEach(function (h) {
            var li = tpl.content.cloneNode(true);
            li.querySelector(".hit-name").textContent = h.name;
            li.querySelector(".hit-detail").textContent = h.detail + (h.checked_in ? " ✓" : "");
            li.querySelector("button").addEventListener("click", function () { post({ registration_id: h.id }); });
            hits.appendChild(li);
          });
        });
    }, 250);
  });
})();
