// The public enrolment page's live status: polls /status, swaps in a fresh QR code when one
// expired, and shows the end state. Served as a file so the page's CSP can say script-src 'self'.
(function () {
  "use strict";
  var root = document.getElementById("enrol");
  var qr = document.getElementById("qr");
  var line = document.getElementById("status");
  if (!root || !qr || !line) { return; }
  var EVERY = 1500, SLOWEST = 30000, REFRESH_AFTER = 10000;
  var delay = EVERY, fresh = 0, refreshedAt = 0, done = false;

  function show(state, text) {
    root.className = "enrol state-" + state;
    line.textContent = text;
  }

  function newCode() {
    var now = Date.now();
    if (now - refreshedAt < REFRESH_AFTER) { return; }
    refreshedAt = now;
    fresh += 1;
    qr.src = root.dataset.qrUrl + "?fresh=" + fresh;
  }

  function apply(body) {
    var state = body.state;
    if (state === "enrolled") {
      done = true;
      var text = body.device
        ? root.dataset.enrolledOn.replace("{device}", body.device)
        : root.dataset.enrolled;
      show(state, text);
      return;
    }
    var text = root.dataset[state];
    if (!text) { return; }
    show(state, text);
    if (state === "expired") { newCode(); }
  }

  function tick() {
    if (done) { return; }
    if (document.visibilityState === "hidden") { setTimeout(tick, EVERY); return; }
    fetch(root.dataset.statusUrl, { cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 404) {
          done = true;
          show("ended", root.dataset.ended);
          return null;
        }
        if (!response.ok) { throw new Error("status " + response.status); }
        delay = EVERY;
        return response.json();
      })
      .then(function (body) { if (body) { apply(body); } })
      .catch(function () { delay = Math.min(delay * 2, SLOWEST); })
      .then(function () { if (!done) { setTimeout(tick, delay); } });
  }

  qr.addEventListener("error", function () {
    if (done) { return; }
    show("fault", root.dataset.fault);
    root.className = "enrol state-declined";  // hides the broken image, offers a new code
  });
  setTimeout(tick, EVERY);
}());
