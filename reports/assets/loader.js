(function () {
  "use strict";
  // ECharts, gzip-compressed and base64-encoded (reports/assets.go,
  // echartsLoaderJS): decompressed here without any request, then run as
  // an inline script whose SHA-256 the page's CSP allows.
  var z = "ECHARTS_GZIP_BASE64";
  if (typeof DecompressionStream === "undefined") {
    console.warn("charts need DecompressionStream (Chrome 80, Firefox 113, Safari 16.4 or later); the tables hold every figure");
    return;
  }
  var bin = atob(z), bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function (js) {
    var s = document.createElement("script");
    s.textContent = js;
    document.head.appendChild(s);
    document.dispatchEvent(new Event("oncall-health:echarts"));
  }, function (e) { console.error("ECharts: " + e); });
})();
