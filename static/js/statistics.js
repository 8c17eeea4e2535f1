// Draws the statistics page's charts with ECharts (static/vendor/echarts, from npm) from the
// JSON the server put in #statistics-charts. No eval, no inline handlers (CSP); the same
// numbers are in the tables below the charts for screen readers and printing.
(function () {
  "use strict";
  var drawn = [];

  function option(spec) {
    var horizontal = spec.horizontal;
    var category = { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
    var value = { type: "value", minInterval: 1 };
    var series = spec.series.map(function (s) {
      if (spec.type === "pie") {
        return {
          name: s.name, type: "pie", radius: ["30%", "65%"],
          data: spec.categories.map(function (c, i) { return { name: c, value: s.data[i] }; }),
        };
      }
      return { name: s.name, type: spec.type, data: s.data, smooth: spec.type === "line" };
    });
    var base = {
      aria: { enabled: false },  // the tables below carry the numbers for screen readers
      animation: false,
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis", confine: true },
      legend: { show: spec.series.length > 1 || spec.type === "pie", bottom: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
      series: series,
    };
    if (spec.type !== "pie") {
      base.xAxis = horizontal ? value : category;
      base.yAxis = horizontal ? category : value;
      if (!horizontal) { category.axisLabel.rotate = spec.categories.length > 6 ? 40 : 0; }
    }
    return base;
  }

  function draw() {
    var data = document.getElementById("statistics-charts");
    if (!data || typeof echarts === "undefined") { return; }
    drawn.forEach(function (chart) { if (!chart.isDisposed()) { chart.dispose(); } });
    drawn = [];
    JSON.parse(data.textContent).forEach(function (spec) {
      var element = document.querySelector("[data-chart-id=\"" + spec.id + "\"]");
      if (!element) { return; }
      if (spec.horizontal) { element.style.height = Math.max(320, 22 * spec.categories.length) + "px"; }
      var chart = echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(option(spec));
      drawn.push(chart);
    });
    document.documentElement.dataset.chartsDrawn = String(drawn.length);
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "report") { draw(); }
  });
  window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
})();
