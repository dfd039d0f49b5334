(function () {
  "use strict";
  // Draws every chart data block once ECharts is there: at once when the
  // page loaded it from the shared assets, or when the loader of a
  // self-contained page (loader.js) has decompressed and run it.
  function draw() {
    var drawn = [];
    var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      var el = document.getElementById(block.getAttribute("data-chart"));
      if (!el || typeof echarts === "undefined") { continue; }
      try {
        var chart = echarts.init(el, null, { renderer: "canvas" });
        chart.setOption(JSON.parse(block.textContent));
        drawn.push(chart);
      } catch (e) {
        // One broken chart must not hide the others; the table beside it
        // still holds its numbers.
        console.error("chart " + el.id + ": " + e);
      }
    }
    function resize() { for (var j = 0; j < drawn.length; j++) { drawn[j].resize(); } }
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
    document.documentElement.setAttribute("data-charts-drawn", String(drawn.length));
  }
  if (typeof echarts !== "undefined") {
    draw();
  } else {
    document.addEventListener("oncall-health:echarts", draw, { once: true });
  }
})();
