// Client half of the idle screen lock: after the configured idle time, go to the lock page.
// The server enforces the same limit on the next request whatever this script does.
(function () {
  var seconds = parseInt(document.body.dataset.idleSeconds || "600", 10);
  var timer;
  function reset() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      window.location.href = "/lock/?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    }, seconds * 1000);
  }
  ["keydown", "mousedown", "touchstart"].forEach(function (e) { document.addEventListener(e, reset, true); });
  reset();
})();
