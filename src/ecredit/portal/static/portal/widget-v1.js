/* ecredit query widget loader, v1 (R13.4). A platform embeds:
     <div data-ecredit-widget data-platform="<platform USCC, optional>"></div>
     <script src="https://<ecredit>/widget/v1.js" async></script>
   Each such element gets an iframe on this script's own server: the search frame, or with
   data-subject="<id>" a single subject's badge; data-lang="en" shows it in English. The frame reports
   its height by postMessage and the iframe is resized to fit. No library, no cookie, no other server. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    var all = document.getElementsByTagName("script");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/widget\/v1\.js(\?|#|$)/.test(all[i].src)) { script = all[i]; break; }
    }
  }
  if (!script || !script.src) { return; }
  var base = new URL(".", script.src);            // .../widget/
  var origin = base.origin;
  var frames = [];

  function frameUrl(el) {
    var subject = (el.getAttribute("data-subject") || "").trim();
    var url = /^[0-9]{1,18}$/.test(subject) ? new URL("badge/" + subject, base) : new URL("frame", base);
    var platform = (el.getAttribute("data-platform") || "").trim();
    if (platform && !subject) { url.searchParams.set("platform", platform); }
    if ((el.getAttribute("data-lang") || "").toLowerCase().indexOf("en") === 0) { url.searchParams.set("lang", "en"); }
    return url.href;
  }

  function mount(el) {
    if (el.getAttribute("data-ecredit-mounted")) { return; }
    el.setAttribute("data-ecredit-mounted", "1");
    var english = (el.getAttribute("data-lang") || "").toLowerCase().indexOf("en") === 0;
    var iframe = document.createElement("iframe");
    iframe.src = frameUrl(el);
    iframe.title = english ? "Credit lookup (Credit Nantong)" : "信用查询（信用南通）";
    iframe.loading = "lazy";
    iframe.referrerPolicy = "strict-origin-when-cross-origin";
    iframe.setAttribute("scrolling", "no");
    iframe.style.cssText = "display:block;width:100%;min-width:240px;border:0;overflow:hidden;height:" +
      (el.getAttribute("data-subject") ? "96px" : "64px");
    el.appendChild(iframe);
    frames.push(iframe);
  }

  function scan() {
    var nodes = document.querySelectorAll("[data-ecredit-widget]");
    for (var i = 0; i < nodes.length; i++) { mount(nodes[i]); }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.ecreditWidget !== 1) { return; }
    var height = Number(event.data.height);
    if (!isFinite(height)) { return; }
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(40, Math.min(Math.ceil(height), 4000)) + "px";
      }
    }
  });

  window.ecreditWidget = { scan: scan };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
}());
