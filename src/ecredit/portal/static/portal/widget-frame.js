/* Inside the widget's iframe: tell the embedding page how tall the content is, so it can size the frame.
   Only the height is sent (to any parent: it is no secret); the loader checks that it came from this frame. */
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var last = -1;
  function report() {
    var box = document.getElementById("ecw") || document.body;
    var height = Math.ceil(box.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ ecreditWidget: 1, height: height }, "*");
    }
  }
  function start() {
    report();
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(report).observe(document.getElementById("ecw") || document.body);
    } else {
      window.addEventListener("resize", report);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("load", report);
}());
