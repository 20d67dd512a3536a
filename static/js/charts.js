// Draws every <canvas data-chart="id"> from the JSON in <script id="id" type="application/json">
// (evaluation/_chart.html). A file of its own because our CSP allows no inline scripts.
(function () {
  if (!window.Chart) { return; }
  var colours = ["#1f5f8b", "#c2410c", "#2f9e44", "#f0b429"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var box = canvas.parentElement;
    // Set through the CSSOM: a style= attribute would be refused by the CSP.
    if (box && box.dataset.height) { box.style.height = box.dataset.height; }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (set, i) {
      var colour = colours[i % colours.length];
      return Object.assign({backgroundColor: colour, borderColor: colour, pointRadius: 4}, set);
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {legend: {display: datasets.length > 1}},
      scales: {}
    };
    if (spec.horizontal) { options.indexAxis = "y"; }
    if (spec.x) { options.scales.x = spec.x; }
    if (spec.y) { options.scales.y = spec.y; }
    if (document.documentElement.dir === "rtl") {
      // Right to left: the chart mirrors like the page. Time and categories run from the
      // right, the value axis stands on the right, legends and tooltips read right to left.
      options.scales.x = Object.assign({}, options.scales.x, {reverse: true});
      options.scales.y = Object.assign({}, options.scales.y, {position: "right"});
      options.plugins.legend.rtl = true;
      options.plugins.tooltip = {rtl: true, textDirection: "rtl"};
    }
    new Chart(canvas, {type: spec.type, data: {labels: spec.labels, datasets: datasets}, options: options});
  });
})();
